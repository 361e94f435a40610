package io.keel.transport;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.UnpooledByteBufAllocator;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A real (unpooled) allocator that remembers the largest buffer ever requested and the most memory its buffers
 * ever held at once, sampled at every allocation. Unpooled so that "memory held" means buffers alive, not
 * pool chunks kept for reuse.
 */
final class MeasuringAllocator extends AbstractByteBufAllocator {
    private final UnpooledByteBufAllocator delegate = new UnpooledByteBufAllocator(true);
    final AtomicLong largestRequest = new AtomicLong();
    final AtomicLong peakInUse = new AtomicLong();

    MeasuringAllocator() {
        super(true);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        return measured(delegate.heapBuffer(initialCapacity, maxCapacity), initialCapacity);
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        return measured(delegate.directBuffer(initialCapacity, maxCapacity), initialCapacity);
    }

    private ByteBuf measured(ByteBuf buf, int requested) {
        largestRequest.accumulateAndGet(requested, Math::max);
        peakInUse.accumulateAndGet(inUse(), Math::max);
        return buf;
    }

    long inUse() {
        ByteBufAllocatorMetric m = delegate.metric();
        return m.usedDirectMemory() + m.usedHeapMemory();
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }
}

package io.keel.storage.mvcc.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keel.storage.mvcc.api.CorruptionException;
import io.keel.storage.mvcc.api.KeyValue;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A CURRENT record and its leading form, which the apply thread keeps in memory instead of the whole record. */
class CurrentRecordTest {
    private static final byte[] KEY = "config/master".getBytes(StandardCharsets.UTF_8);
    private static final KeyValue KV = new KeyValue(KEY, 7, 42, 5, "node-3".getBytes(StandardCharsets.UTF_8), 99);

    @Test
    void theLeadingFormIsASealedRecordWithTheSameFieldsAndNoValue() {
        byte[] whole = CurrentRecord.encode(KV);
        byte[] leading = CurrentRecord.leading(KEY, whole);
        assertTrue(leading.length < whole.length, "the value is left out");
        assertEquals(KV.withoutValue(), CurrentRecord.decode(KEY, leading), "it verifies and decodes on its own");
        assertEquals(KV.withoutValue(), CurrentRecord.decodeWithoutValue(KEY, whole));
        assertEquals(KV, CurrentRecord.decode(KEY, whole));
    }

    @Test
    void aRecordWithAnEmptyValueIsItsOwnLeadingForm() {
        byte[] whole = CurrentRecord.encode(KV.withoutValue());
        assertSame(whole, CurrentRecord.leading(KEY, whole));
    }

    /** Resealing the leading fields of a damaged record would hide the damage from every later read. */
    @Test
    void aCorruptRecordHasNoLeadingForm() {
        byte[] whole = CurrentRecord.encode(KV);
        whole[whole.length - 1] ^= 1; // a byte of the value, which the leading form would drop
        CorruptionException e = assertThrows(CorruptionException.class, () -> CurrentRecord.leading(KEY, whole));
        assertTrue(e.getMessage().contains("crc32c mismatch"), e.getMessage());
        assertThrows(CorruptionException.class, () -> CurrentRecord.leading(KEY, new byte[] {1, 2, 3, 4, 5}));
    }
}

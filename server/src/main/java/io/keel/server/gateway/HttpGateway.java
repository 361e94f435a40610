package io.keel.server.gateway;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonStreamParser;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.ChannelFutureListener;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.SimpleChannelInboundHandler;
import io.grpc.netty.shaded.io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.DefaultHttpContent;
import io.grpc.netty.shaded.io.netty.handler.codec.http.DefaultHttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.FullHttpRequest;
import io.grpc.netty.shaded.io.netty.handler.codec.http.FullHttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpHeaderNames;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpHeaderValues;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpMethod;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpResponseStatus;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpUtil;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpVersion;
import io.grpc.netty.shaded.io.netty.handler.codec.http.LastHttpContent;
import io.grpc.netty.shaded.io.netty.handler.codec.http.QueryStringDecoder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandler;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Answers one HTTP/1.1 connection of etcd's gateway: each POST names a gRPC method by its path; its JSON body is the
 * request (several concatenated objects for a streaming call), sent through {@code grpc}, the in-process channel to
 * the member's own services; the answer is written as grpc-gateway writes it: one JSON object for a unary call,
 * {@code {"result":...}} lines in a chunked response for a stream, and gRPC errors as {@code {"error", "message",
 * "code"}} with grpc-gateway's HTTP status for the code.
 */
public final class HttpGateway extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final JsonFormat.Parser PARSER = JsonFormat.parser();
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().preservingProtoFieldNames()
            .omittingInsignificantWhitespace();
    /** etcd reads the token of the gateway's callers from this metadata key (grpc-gateway forwards Authorization). */
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER);

    private final io.grpc.Channel grpc;
    private final GatewayRoutes routes;
    private final java.util.Set<ClientCall<?, ?>> openCalls = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final StreamPermits streams;

    private final java.util.function.BooleanSupplier health;

    private final java.util.Map<String, java.util.function.Supplier<PlainAnswer>> gets;

    HttpGateway(io.grpc.Channel grpc, GatewayRoutes routes, StreamPermits streams,
                java.util.function.BooleanSupplier health,
                java.util.Map<String, java.util.function.Supplier<PlainAnswer>> gets) {
        this.gets = gets;
        this.health = health;
        this.streams = streams;
        this.grpc = grpc;
        this.routes = routes;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        if (!req.decoderResult().isSuccess()) {
            text(ctx, HttpResponseStatus.BAD_REQUEST, "Bad Request", false);
            return;
        }
        String path = new QueryStringDecoder(req.uri()).path();
        if (path.equals("/health")) {
            health(ctx, req, keepAlive);
            return;
        }
        java.util.function.Supplier<PlainAnswer> get = gets.get(path);
        if (get != null) {
            plainGet(ctx, req, get, keepAlive);
            return;
        }
        MethodDescriptor<?, ?> m = routes.method(path);
        if (m == null) {
            text(ctx, HttpResponseStatus.NOT_FOUND, "Not Found", keepAlive);
            return;
        }
        if (!req.method().equals(HttpMethod.POST)) {
            text(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "Method Not Allowed", keepAlive);
            return;
        }
        @SuppressWarnings("unchecked")
        MethodDescriptor<Message, Message> method = (MethodDescriptor<Message, Message>) m;
        Message prototype = (Message) ((MethodDescriptor.PrototypeMarshaller<?>) method.getRequestMarshaller())
                .getMessagePrototype();
        List<Message> requests;
        try {
            requests = parse(req.content().toString(StandardCharsets.UTF_8), prototype);
        } catch (InvalidProtocolBufferException | JsonParseException e) {
            error(ctx, Status.INVALID_ARGUMENT.withDescription(e.getMessage()), keepAlive);
            return;
        }
        Metadata headers = new Metadata();
        String token = req.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (token != null) headers.put(AUTHORIZATION, token);
        String cn = clientCommonName(ctx);
        if (cn != null) headers.put(GatewayCaller.CLIENT_CN, cn);
        io.grpc.Channel channel = ClientInterceptors.intercept(grpc, MetadataUtils.newAttachHeadersInterceptor(headers));
        ClientCall<Message, Message> call = channel.newCall(method, CallOptions.DEFAULT);
        streams.run(() -> start(ctx, method, call, prototype, requests, keepAlive));
    }

    private void start(ChannelHandlerContext ctx, MethodDescriptor<Message, Message> method,
                       ClientCall<Message, Message> call, Message prototype, List<Message> requests,
                       boolean keepAlive) {
        if (!ctx.channel().isActive()) { // the client left while its call waited for a stream
            streams.release();
            return;
        }
        if (method.getType() == MethodDescriptor.MethodType.UNARY) {
            Message request = requests.isEmpty() ? prototype : requests.get(0);
            ClientCalls.asyncUnaryCall(call, request, new StreamObserver<>() {
                @Override
                public void onNext(Message answer) {
                    json(ctx, HttpResponseStatus.OK, print(answer), keepAlive);
                }

                @Override
                public void onError(Throwable t) {
                    streams.release();
                    error(ctx, Status.fromThrowable(t), keepAlive);
                }

                @Override
                public void onCompleted() {
                    streams.release();
                }
            });
        } else {
            stream(ctx, call, requests);
        }
    }

    /**
     * etcd's /health on the client port: {@code {"health":"true"}} (200) or {@code {"health":"false"}} (503). The
     * check waits for a read, so it runs on the common pool, never on the connection's event loop.
     */
    private void health(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive) {
        if (!req.method().equals(HttpMethod.GET)) {
            text(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "Method Not Allowed", keepAlive);
            return;
        }
        java.util.concurrent.CompletableFuture.supplyAsync(health::getAsBoolean).whenComplete((ok, failure) -> {
            boolean healthy = failure == null && ok;
            json(ctx, healthy ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "{\"health\":\"" + healthy + "\"}", keepAlive);
        });
    }

    /** A plain GET path ({@link Gateway#serveGet}), answered off the event loop. */
    private static void plainGet(ChannelHandlerContext ctx, FullHttpRequest req,
                                 java.util.function.Supplier<PlainAnswer> get, boolean keepAlive) {
        if (!req.method().equals(HttpMethod.GET)) {
            text(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "Method Not Allowed", keepAlive);
            return;
        }
        java.util.concurrent.CompletableFuture.supplyAsync(get).whenComplete((answer, failure) -> {
            if (failure != null) {
                text(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, "Internal Server Error", keepAlive);
                return;
            }
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.wrappedBuffer(answer.body()));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, answer.contentType());
            HttpUtil.setContentLength(r, r.content().readableBytes());
            HttpUtil.setKeepAlive(r, keepAlive);
            var f = ctx.writeAndFlush(r);
            if (!keepAlive) f.addListener(ChannelFutureListener.CLOSE);
        });
    }

    /** A streaming call: every request sent, then half-closed (as grpc-gateway); answers as they come. */
    private void stream(ChannelHandlerContext ctx, ClientCall<Message, Message> call, List<Message> requests) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        HttpUtil.setTransferEncodingChunked(head, true);
        ctx.writeAndFlush(head);
        openCalls.add(call);
        StreamObserver<Message> out = ClientCalls.asyncBidiStreamingCall(call, new StreamObserver<>() {
            @Override
            public void onNext(Message answer) {
                chunk(ctx, "{\"result\":" + print(answer) + "}\n");
            }

            @Override
            public void onError(Throwable t) {
                Status s = Status.fromThrowable(t);
                if (s.getCode() != Status.Code.CANCELLED || ctx.channel().isActive()) {
                    chunk(ctx, "{\"error\":{\"grpc_code\":" + s.getCode().value() + ",\"http_code\":"
                            + httpStatus(s.getCode()).code() + ",\"message\":" + quote(description(s))
                            + ",\"http_status\":" + quote(httpStatus(s.getCode()).reasonPhrase()) + "}}\n");
                }
                end(ctx);
            }

            @Override
            public void onCompleted() {
                end(ctx);
            }

            private void end(ChannelHandlerContext ctx) {
                if (openCalls.remove(call)) streams.release();
                HttpGateway.end(ctx);
            }
        });
        for (Message r : requests) out.onNext(r);
        out.onCompleted();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        // The HTTP client went away (curl's timeout on a watch): end its calls, as grpc-gateway cancels its context.
        // Each cancelled call ends through its observer, which gives its stream back.
        for (ClientCall<?, ?> c : openCalls) c.cancel("the HTTP client closed the connection", null);
        super.channelInactive(ctx);
    }

    /** The common name of the verified client certificate of this (TLS) connection, or null. */
    private static String clientCommonName(ChannelHandlerContext ctx) {
        SslHandler tls = ctx.pipeline().get(SslHandler.class);
        if (tls == null) return null;
        try {
            java.security.cert.Certificate[] chain = tls.engine().getSession().getPeerCertificates();
            if (chain.length == 0 || !(chain[0] instanceof java.security.cert.X509Certificate cert)) return null;
            String cn = io.keel.server.tls.CommonNames.of(cert);
            return cn.isEmpty() ? null : cn;
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            return null; // no certificate asked for or given
        }
    }

    /** Zero, one or several concatenated JSON objects (a stream's requests), each into a message. */
    private static List<Message> parse(String body, Message prototype) throws InvalidProtocolBufferException {
        List<Message> messages = new ArrayList<>();
        if (body.isBlank()) return messages; // grpc-gateway: no body is the empty request
        JsonStreamParser objects = new JsonStreamParser(new StringReader(body));
        while (objects.hasNext()) {
            JsonElement e = objects.next();
            Message.Builder b = prototype.newBuilderForType();
            PARSER.merge(e.toString(), b);
            messages.add(b.build());
        }
        return messages;
    }

    private static String print(Message m) {
        try {
            return PRINTER.print(m);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("cannot print " + m.getDescriptorForType().getFullName(), e);
        }
    }

    private static void error(ChannelHandlerContext ctx, Status s, boolean keepAlive) {
        String message = quote(description(s));
        // grpc-gateway's errorBody, in its field order (etcd's e2e tests compare the text).
        json(ctx, httpStatus(s.getCode()), "{\"error\":" + message + ",\"message\":" + message + ",\"code\":"
                + s.getCode().value() + "}", keepAlive);
    }

    private static String description(Status s) {
        return s.getDescription() != null ? s.getDescription() : s.getCode().name();
    }

    /** grpc-gateway's mapping of gRPC codes to HTTP statuses (runtime.HTTPStatusFromCode). */
    static HttpResponseStatus httpStatus(Status.Code code) {
        return switch (code) {
            case OK -> HttpResponseStatus.OK;
            case CANCELLED -> HttpResponseStatus.REQUEST_TIMEOUT;
            case INVALID_ARGUMENT, OUT_OF_RANGE -> HttpResponseStatus.BAD_REQUEST;
            case DEADLINE_EXCEEDED -> HttpResponseStatus.GATEWAY_TIMEOUT;
            case NOT_FOUND -> HttpResponseStatus.NOT_FOUND;
            case ALREADY_EXISTS, ABORTED -> HttpResponseStatus.CONFLICT;
            case PERMISSION_DENIED -> HttpResponseStatus.FORBIDDEN;
            case UNAUTHENTICATED -> HttpResponseStatus.UNAUTHORIZED;
            case RESOURCE_EXHAUSTED -> HttpResponseStatus.TOO_MANY_REQUESTS;
            case FAILED_PRECONDITION -> HttpResponseStatus.PRECONDITION_FAILED;
            case UNIMPLEMENTED -> HttpResponseStatus.NOT_IMPLEMENTED;
            case UNAVAILABLE -> HttpResponseStatus.SERVICE_UNAVAILABLE;
            default -> HttpResponseStatus.INTERNAL_SERVER_ERROR;
        };
    }

    private static String quote(String s) {
        return new com.google.gson.JsonPrimitive(s).toString();
    }

    private static void json(ChannelHandlerContext ctx, HttpResponseStatus status, String body, boolean keepAlive) {
        send(ctx, status, body, "application/json", keepAlive);
    }

    private static void text(ChannelHandlerContext ctx, HttpResponseStatus status, String body, boolean keepAlive) {
        send(ctx, status, body + "\n", "text/plain; charset=utf-8", keepAlive);
    }

    private static void send(ChannelHandlerContext ctx, HttpResponseStatus status, String body, String type,
                             boolean keepAlive) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        HttpUtil.setContentLength(r, r.content().readableBytes());
        HttpUtil.setKeepAlive(r, keepAlive);
        var f = ctx.writeAndFlush(r);
        if (!keepAlive) f.addListener(ChannelFutureListener.CLOSE);
    }

    private static void chunk(ChannelHandlerContext ctx, String text) {
        ctx.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8)));
    }

    private static void end(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
    }
}

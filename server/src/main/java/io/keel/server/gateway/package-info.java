/**
 * etcd's HTTP/JSON gateway on the client port: {@code curl -X POST http://host:2379/v3/kv/put -d '{"key":"..."}'}
 * works as against etcd, over https too. {@link ClientPortProtocols} tells HTTP/1.x connections from gRPC's HTTP/2
 * by their first bytes (etcd does the same with cmux), after the TLS handshake on a TLS port; {@link HttpGateway}
 * turns each request into the gRPC call it names ({@link GatewayRoutes}), made through an in-process channel to the
 * very services the gRPC port serves, and writes the answer as grpc-gateway writes it (JSON with proto field names,
 * int64 as strings, bytes as base64).
 */
package io.keel.server.gateway;

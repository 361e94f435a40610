package io.keel.server.gateway;

/**
 * The answer to a plain GET the client port serves beside etcd's API (etcd serves {@code /metrics} there too).
 *
 * @param contentType its Content-Type
 * @param body        its bytes
 */
public record PlainAnswer(String contentType, byte[] body) {
}

package io.keel.server.auth;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** JWT tokens with real keys in PEM files, as --auth-token names them: RS256 and ES256, forged and expired ones. */
class JwtTokensTest {
    static void writePem(Path file, String type, byte[] der) throws Exception {
        String body = Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der);
        Files.writeString(file, "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n");
    }

    static TokenSettings.Jwt keys(Path dir, String alg, String name) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance(alg.startsWith("ES") ? "EC" : "RSA");
        if (alg.startsWith("ES")) g.initialize(new ECGenParameterSpec("secp256r1"));
        else g.initialize(2048);
        KeyPair pair = g.generateKeyPair();
        Path pub = dir.resolve(name + ".pub.pem");
        Path priv = dir.resolve(name + ".key.pem");
        writePem(pub, "PUBLIC KEY", pair.getPublic().getEncoded());
        writePem(priv, "PRIVATE KEY", pair.getPrivate().getEncoded());
        return new TokenSettings.Jwt(pub, priv, alg, Duration.ofMinutes(5));
    }

    @Test
    void signedTokensNameTheirUserAndRevisionUntilTheyExpire(@TempDir Path dir) throws Exception {
        for (String alg : new String[] {"RS256", "ES256"}) {
            TokenSettings.Jwt settings = keys(dir, alg, alg);
            Instant now = Instant.parse("2026-12-06T10:00:00Z");
            JwtTokens tokens = new JwtTokens(settings, Clock.fixed(now, ZoneOffset.UTC));
            String token = tokens.sign("alice", 7);
            assertEquals(new Caller("alice", 7), tokens.verify(token), alg);
            String[] parts = token.split("\\.");
            assertEquals(3, parts.length);
            assertTrue(new String(Base64.getUrlDecoder().decode(parts[0])).contains("\"alg\":\"" + alg + "\""));

            // A changed payload, another key, garbage: all refused.
            String otherPayload = Base64.getUrlEncoder().withoutPadding().encodeToString(
                    "{\"username\":\"root\",\"revision\":7,\"exp\":9999999999}".getBytes());
            assertNull(tokens.verify(parts[0] + "." + otherPayload + "." + parts[2]));
            JwtTokens other = new JwtTokens(keys(dir, alg, alg + "-other"), Clock.fixed(now, ZoneOffset.UTC));
            assertNull(other.verify(token));
            assertNull(tokens.verify("not.a.token"));
            assertNull(tokens.verify(""));

            // Expired five minutes later.
            JwtTokens later = new JwtTokens(settings, Clock.fixed(now.plus(Duration.ofMinutes(5)), ZoneOffset.UTC));
            assertNull(later.verify(token));
            // A member with the public key only verifies.
            JwtTokens verifyOnly = new JwtTokens(new TokenSettings.Jwt(settings.publicKey(), null, alg,
                    settings.ttl()), Clock.fixed(now, ZoneOffset.UTC));
            assertEquals(new Caller("alice", 7), verifyOnly.verify(token));
            assertThrows(IllegalStateException.class, () -> verifyOnly.sign("alice", 7));
        }
    }

    @Test
    void keysThatDoNotMatchOrSuitTheMethodAreRefusedAtStart(@TempDir Path dir) throws Exception {
        TokenSettings.Jwt a = keys(dir, "RS256", "a");
        TokenSettings.Jwt b = keys(dir, "RS256", "b");
        IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class, () ->
                new JwtTokens(new TokenSettings.Jwt(a.publicKey(), b.privateKey(), "RS256", a.ttl()), Clock.systemUTC()));
        assertTrue(mismatch.getMessage().contains("don't match"), mismatch.getMessage());
        assertThrows(IllegalArgumentException.class, () ->
                new JwtTokens(new TokenSettings.Jwt(a.publicKey(), a.privateKey(), "ES256", a.ttl()), Clock.systemUTC()));
        assertThrows(IllegalArgumentException.class, () -> new JwtTokens(new TokenSettings.Jwt(
                dir.resolve("missing.pem"), null, "RS256", a.ttl()), Clock.systemUTC()));
        assertThrows(IllegalArgumentException.class,
                () -> TokenSettings.parse("jwt,pub-key=x,sign-method=HS1", Duration.ofSeconds(300)));
        assertThrows(IllegalArgumentException.class, () -> TokenSettings.parse("magic", Duration.ofSeconds(300)));
        assertEquals(Duration.ofMinutes(2), TokenSettings.parse("jwt,pub-key=p,priv-key=k,sign-method=RS256,ttl=2m",
                Duration.ofSeconds(300)).jwt().ttl());
    }
}

package io.lxcfs.webhook.tls;

import static io.lxcfs.webhook.tls.TlsSecretCodec.CA_CRT;
import static io.lxcfs.webhook.tls.TlsSecretCodec.CA_KEY;
import static io.lxcfs.webhook.tls.TlsSecretCodec.TLS_CRT;
import static io.lxcfs.webhook.tls.TlsSecretCodec.TLS_KEY;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;

import io.lxcfs.webhook.config.WebhookConfig.Mode;

/**
 * Mode {@code local} (and self-managed without a Kubernetes API): a CA and a certificate for the local names, kept in
 * a directory ({@code ca.crt}, {@code ca.key}, {@code tls.crt}, {@code tls.key}) and reused across restarts while
 * valid, so that a client keeps trusting the same CA file.
 */
final class LocalCertificate implements ServingSource {
    private final Path dir;
    private final List<String> names;
    private final ServingIssuer issuer;
    private final String httpsPort;

    LocalCertificate(Path dir, List<String> names, ServingIssuer issuer, String httpsPort) {
        this.dir = dir;
        this.names = List.copyOf(names);
        this.issuer = issuer;
        this.httpsPort = httpsPort;
    }

    Path caFile() {
        return dir.resolve(CA_CRT);
    }

    @Override
    public ServingMaterial initial(Instant now) {
        try {
            Files.createDirectories(dir);
            ServingMaterial existing = readExisting();
            if (!issuer.policy().needsNew(existing, names, now)) {
                return existing;
            }
            ServingMaterial m = issuer.issue(existing, names, now);
            write(dir.resolve(CA_KEY), m.caKeyPem(), true);
            write(dir.resolve(TLS_KEY), m.keyPem(), true);
            write(dir.resolve(CA_CRT), m.caBundlePem(), false);
            write(dir.resolve(TLS_CRT), m.certChainPem(), false);
            return m;
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the local certificate to " + dir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public ServingMaterial refresh(ServingMaterial current, Instant now) {
        return issuer.policy().renewalDue(current.leafNotAfter(), now) ? initial(now) : current;
    }

    /** What the directory holds, or null when it is incomplete or unreadable. */
    private ServingMaterial readExisting() {
        if (!Files.exists(dir.resolve(TLS_CRT)) || !Files.exists(dir.resolve(CA_KEY))) {
            return null;
        }
        try {
            return new ServingMaterial(Files.readString(dir.resolve(TLS_CRT)), Files.readString(dir.resolve(TLS_KEY)),
                    Files.readString(dir.resolve(CA_CRT)), Files.readString(dir.resolve(CA_KEY))).validate();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static void write(Path file, String content, boolean secret) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.US_ASCII);
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(secret ? "rw-------" : "rw-r--r--"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public Mode mode() {
        return Mode.LOCAL;
    }

    @Override
    public String describe(ServingMaterial served) {
        return String.format("TLS: self-signed certificate for localhost; CA certificate: %s (e.g. curl --cacert %s "
                + "https://127.0.0.1:%s/mutate)", caFile(), caFile(), httpsPort);
    }
}

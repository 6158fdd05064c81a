package io.lxcfs.webhook.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import org.jboss.logging.Logger;

import io.lxcfs.webhook.config.WebhookConfig.Mode;

/** Mode {@code files}: PEM files written by someone else (a mounted cert-manager Secret), re-read at every check. */
final class CertificateFiles implements ServingSource {
    private static final Logger LOG = Logger.getLogger(CertificateFiles.class);

    private final Path certFile;
    private final Path keyFile;

    CertificateFiles(Path certFile, Path keyFile) {
        this.certFile = certFile;
        this.keyFile = keyFile;
    }

    @Override
    public ServingMaterial initial(Instant now) {
        try {
            return read();
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("TLS mode files: cannot read " + certFile + " and " + keyFile + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public ServingMaterial refresh(ServingMaterial current, Instant now) {
        try {
            return read();
        } catch (IOException | RuntimeException e) {
            // mid-rotation (files being swapped) or broken: keep serving what we have
            LOG.warnf("cannot read %s / %s (%s): keeping the current certificate", certFile, keyFile, e.getMessage());
            return current;
        }
    }

    private ServingMaterial read() throws IOException {
        return new ServingMaterial(Files.readString(certFile, StandardCharsets.US_ASCII),
                Files.readString(keyFile, StandardCharsets.US_ASCII), null, null).validate();
    }

    @Override
    public Mode mode() {
        return Mode.FILES;
    }

    @Override
    public String describe(ServingMaterial served) {
        return String.format("TLS: certificate from %s, expires %s", certFile, served.leafNotAfter());
    }
}

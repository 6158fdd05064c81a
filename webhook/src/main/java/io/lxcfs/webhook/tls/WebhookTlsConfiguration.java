package io.lxcfs.webhook.tls;

import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

import io.quarkus.tls.BaseTlsConfiguration;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.SSLOptions;

/**
 * The TLS configuration of the HTTPS server, registered programmatically in the Quarkus TLS registry under
 * {@value #NAME}. {@link #update(ServingMaterial)} swaps the certificate; firing a CertificateUpdatedEvent then makes
 * the server use it for new handshakes while open connections keep going.
 */
public class WebhookTlsConfiguration extends BaseTlsConfiguration {
    public static final String NAME = "lxcfs-webhook";

    private volatile ServingMaterial material;
    private volatile PemKeyCertOptions keyCertOptions;
    private volatile KeyStore keyStore;

    public WebhookTlsConfiguration(ServingMaterial initial) {
        update(initial);
    }

    public final synchronized void update(ServingMaterial m) {
        List<X509Certificate> chain = Certificates.parseCertificates(m.certChainPem());
        PrivateKey key = m.key();
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("webhook", key, new char[0], chain.toArray(new X509Certificate[0]));
            this.keyStore = ks;
        } catch (Exception e) {
            throw new IllegalStateException("cannot build key store", e);
        }
        // Vert.x reads PKCS#8 and the chain in PEM; normalise the key so any input key format works.
        this.keyCertOptions = new PemKeyCertOptions()
                .addCertValue(Buffer.buffer(Certificates.pem(chain)))
                .addKeyValue(Buffer.buffer(Certificates.pem(key)));
        this.material = m;
    }

    public ServingMaterial material() {
        return material;
    }

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public KeyStore getKeyStore() {
        return keyStore;
    }

    @Override
    public KeyCertOptions getKeyStoreOptions() {
        return keyCertOptions;
    }

    @Override
    public SSLOptions getSSLOptions() {
        SSLOptions o = new SSLOptions();
        o.setKeyCertOptions(keyCertOptions);
        o.setUseAlpn(true);
        return o;
    }

    @Override
    public boolean reload() {
        return false; // reloads are pushed by TlsManager through update() + CertificateUpdatedEvent
    }
}

package io.lxcfs.webhook.tls;

import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

import io.quarkus.tls.BaseTlsConfiguration;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.SSLOptions;

/**
 * The TLS configuration of the HTTPS server, registered programmatically in the Quarkus TLS registry under
 * {@value #NAME}. The server's key material is a {@link CurrentKeyManager}: {@link #update(ServingMaterial)} makes the
 * next handshake use the new certificate, while open connections keep going, and no SSL context is ever rebuilt.
 */
public class WebhookTlsConfiguration extends BaseTlsConfiguration {
    public static final String NAME = "lxcfs-webhook";

    private volatile ServingMaterial material;
    private final CurrentKeyManager keyManager = new CurrentKeyManager();
    private final KeyCertOptions keyCertOptions = KeyCertOptions.wrap(keyManager);
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
        keyManager.set(chain.toArray(new X509Certificate[0]), key);
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
        return false; // TlsManager pushes renewals through update(); the key manager serves them at once
    }
}

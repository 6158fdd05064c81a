package io.lxcfs.webhook.tls;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Secret;

/**
 * Serving material in a {@code kubernetes.io/tls} Secret: {@code tls.crt}, {@code tls.key}, and {@code ca.crt} and
 * {@code ca.key} when the webhook generated it. Reads both {@code data} (base64) and {@code stringData}.
 */
final class TlsSecretCodec {
    private static final Logger LOG = Logger.getLogger(TlsSecretCodec.class);
    static final String TYPE = "kubernetes.io/tls";
    static final String CA_CRT = "ca.crt";
    static final String CA_KEY = "ca.key";
    static final String TLS_CRT = "tls.crt";
    static final String TLS_KEY = "tls.key";

    private TlsSecretCodec() {
    }

    /** The Secret's {@code data}. */
    static Map<String, String> encode(ServingMaterial m) {
        Map<String, String> data = new HashMap<>();
        data.put(TLS_CRT, base64(m.certChainPem()));
        data.put(TLS_KEY, base64(m.keyPem()));
        if (m.caBundlePem() != null) {
            data.put(CA_CRT, base64(m.caBundlePem()));
        }
        if (m.caKeyPem() != null) {
            data.put(CA_KEY, base64(m.caKeyPem()));
        }
        return data;
    }

    /**
     * The material of {@code secret}, or null when it lacks a key ({@code ca.crt} and {@code ca.key} too when
     * {@code generated}) or holds a certificate and key that cannot be read or do not belong together.
     */
    static ServingMaterial decode(Secret secret, boolean generated) {
        Map<String, String> data = secret.getData() == null ? Map.of() : secret.getData();
        Map<String, String> stringData = secret.getStringData() == null ? Map.of() : secret.getStringData();
        String crt = value(data, stringData, TLS_CRT);
        String key = value(data, stringData, TLS_KEY);
        String ca = value(data, stringData, CA_CRT);
        String caKey = value(data, stringData, CA_KEY);
        if (crt == null || key == null || (generated && (ca == null || caKey == null))) {
            return null;
        }
        try {
            return new ServingMaterial(crt, key, ca, caKey).validate();
        } catch (RuntimeException e) {
            LOG.warnf("Secret %s holds an unreadable certificate: %s", secret.getMetadata().getName(), e.getMessage());
            return null;
        }
    }

    private static String value(Map<String, String> data, Map<String, String> stringData, String key) {
        if (stringData.containsKey(key)) {
            return stringData.get(key);
        }
        String v = data.get(key);
        return v == null ? null : new String(Base64.getMimeDecoder().decode(v), StandardCharsets.US_ASCII);
    }

    private static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.US_ASCII));
    }
}

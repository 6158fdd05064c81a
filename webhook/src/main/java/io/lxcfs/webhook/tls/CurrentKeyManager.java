package io.lxcfs.webhook.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A key manager that hands every new TLS handshake the serving certificate current at that moment. The server's SSL
 * context is built once around it, so a renewal is one volatile write: no context is rebuilt and swapped, and no
 * handshake can fall between an old and a new context (a rebuild refused a racing handshake now and then).
 */
final class CurrentKeyManager extends X509ExtendedKeyManager {
    static final String ALIAS = "webhook";

    private record Entry(X509Certificate[] chain, PrivateKey key) {
    }

    private volatile Entry current;

    void set(X509Certificate[] chain, PrivateKey key) {
        current = new Entry(chain.clone(), key);
    }

    /** Whether the current key can sign for a handshake asking for {@code keyType} ("EC", "RSA", "RSASSA-PSS"...). */
    private String aliasFor(String keyType) {
        Entry e = current;
        if (e == null) {
            return null;
        }
        String alg = e.key().getAlgorithm();
        boolean usable = keyType == null || keyType.equalsIgnoreCase(alg)
                || ("RSASSA-PSS".equalsIgnoreCase(keyType) && "RSA".equalsIgnoreCase(alg))
                || (keyType.startsWith("EC") && "EC".equalsIgnoreCase(alg));
        return usable ? ALIAS : null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return aliasFor(keyType);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return aliasFor(keyType);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        String a = aliasFor(keyType);
        return a == null ? null : new String[] { a };
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Entry e = current;
        return e == null || !ALIAS.equals(alias) ? null : e.chain().clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Entry e = current;
        return e == null || !ALIAS.equals(alias) ? null : e.key();
    }

    // The webhook never acts as a TLS client with this key.
    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }
}

package io.lxcfs.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Collection;
import java.util.List;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * An HTTPS client (HTTP/1.1) that trusts only the given CA certificates, as the API server calls a webhook with its
 * {@code caBundle}: a server whose certificate another CA signed fails the handshake. Requests go to paths below a base
 * URI; a failed request is an {@link AssertionError}.
 */
public final class HttpsClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Generous: a first admission loads and compiles the mutation code, and this machine's 2 CPUs are shared. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    /** A response's status and body. */
    public record Reply(int status, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }
    }

    private final HttpClient client;
    private final URI base;

    /** Trusts the certificates in {@code caPem} (one or more PEM blocks). */
    public HttpsClient(String caPem, URI base) {
        this.base = base;
        this.client = HttpClient.newBuilder().sslContext(trusting(caPem)).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** POST of a JSON body. */
    public Reply post(String path, String json) {
        return post(path, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    public Reply post(String path, String contentType, byte[] body) {
        return send(HttpRequest.newBuilder(base.resolve(path)).timeout(REQUEST_TIMEOUT).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    public Reply get(String path) {
        return send(HttpRequest.newBuilder(base.resolve(path)).timeout(REQUEST_TIMEOUT).GET().build());
    }

    /** A GET for polling a service coming up: a failure to connect is an {@link IOException} ({@link ProcessWait}'s "not yet"). */
    public Reply poll(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body());
    }

    private Reply send(HttpRequest req) {
        try {
            HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.body());
        } catch (Exception e) {
            throw new AssertionError("request failed: " + e, e);
        }
    }

    /** A TLS context that trusts exactly the CA certificates in {@code caPem}; none in it is an error. */
    public static SSLContext trusting(String caPem) {
        try {
            return trusting(CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII))));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalArgumentException("not PEM certificates: " + e, e);
        }
    }

    /** A TLS context that trusts exactly {@code cas}. */
    public static SSLContext trusting(X509Certificate... cas) {
        return trusting(List.of(cas));
    }

    private static SSLContext trusting(Collection<? extends Certificate> cas) {
        if (cas.isEmpty()) {
            throw new IllegalArgumentException("no CA certificate to trust");
        }
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            int i = 0;
            for (Certificate c : cas) {
                ks.setCertificateEntry("ca" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A TLS context that accepts any server certificate (as the kubelet's HTTPS probes do, or to look at one). */
    public static SSLContext trustingAnyCertificate() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            } }, null);
            return ctx;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The leaf certificate the server presents now (on a fresh connection), without verifying it. */
    public static X509Certificate presented(String host, int port) {
        try {
            SSLContext ctx = trustingAnyCertificate();
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(host, port)) {
                s.startHandshake();
                return (X509Certificate) s.getSession().getPeerCertificates()[0];
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}

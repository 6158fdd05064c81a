package io.lxcfs.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The built webhook started by a start script without a cluster: HTTPS on a free loopback port in TLS mode
 * {@code local} (a self-signed CA, whose certificate file the webhook names in its log), ready over a handshake that
 * trusts only that CA. Shared by the end-to-end tests and the webhook benchmark.
 */
public final class LocalTlsWebhook implements AutoCloseable {

    private static final Pattern CA_LINE = Pattern.compile("CA certificate: (\\S+)");

    private final ServiceProcess process;
    private final int port;
    private final String caPem;
    private final HttpsClient client;

    private LocalTlsWebhook(ServiceProcess process, int port, String caPem) {
        this.process = process;
        this.port = port;
        this.caPem = caPem;
        this.client = new HttpsClient(caPem, uri("/"));
    }

    /**
     * Starts {@code script} (the build's {@code webhook/bin/lxcfs-webhook}, or another version's for a comparison) on
     * the built jar with its TLS files and log in {@code workDir}; {@code args} are more options for the webhook,
     * {@code env} more environment (over the defaults: no kubeconfig, no in-cluster API server). Returns once ready.
     */
    public static LocalTlsWebhook start(Path script, Path workDir, List<String> args, Map<String, String> env)
            throws Exception {
        int port = FreePort.find();
        List<String> cmd = new ArrayList<>(List.of(script.toString(),
                "-Dquarkus.http.ssl-port=" + port,
                "-Dquarkus.http.host=127.0.0.1",
                "-Dlxcfs.webhook.tls.mode=local",
                "-Dlxcfs.webhook.tls.local-dir=" + workDir.resolve("tls")));
        cmd.addAll(args);
        Map<String, String> environment = new HashMap<>(Map.of(
                "LXCFS_WEBHOOK_JAR", RepoLayout.webhookJar().toString(),
                "HOME", workDir.toString(), // no ~/.kube/config: no cluster, no ProcViewPolicy informer
                "KUBERNETES_SERVICE_HOST", "",
                "KUBECONFIG", ""));
        environment.putAll(env);
        ServiceProcess p = ServiceProcess.start("webhook", cmd, environment, workDir.resolve("webhook.log"));
        try {
            p.await("open its HTTPS listener", Duration.ofSeconds(90),
                    () -> p.log().contains("Listening on: https://127.0.0.1:" + port) && CA_LINE.matcher(p.log()).find());
            Matcher m = CA_LINE.matcher(p.log());
            m.find();
            LocalTlsWebhook w = new LocalTlsWebhook(p, port, Files.readString(Path.of(m.group(1))));
            // Ready (the tls check included), over a handshake that trusts only the logged CA.
            p.await("be ready over HTTPS", Duration.ofSeconds(30), () -> w.client.poll("/q/health/ready").status() == 200);
            return w;
        } catch (Exception e) {
            p.close();
            throw e;
        }
    }

    /** {@code path} on this webhook, e.g. {@code /mutate}. */
    public java.net.URI uri(String path) {
        return java.net.URI.create("https://127.0.0.1:" + port + path);
    }

    /** A client trusting only this webhook's CA. */
    public HttpsClient client() {
        return client;
    }

    /** The CA certificate (PEM) the webhook's serving certificate chains to. */
    public String caPem() {
        return caPem;
    }

    public ServiceProcess process() {
        return process;
    }

    /** SIGTERM (Quarkus shuts down cleanly), SIGKILL after 30 s. */
    @Override
    public void close() throws InterruptedException {
        process.close();
    }
}

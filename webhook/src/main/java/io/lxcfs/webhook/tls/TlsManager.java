package io.lxcfs.webhook.tls;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import io.lxcfs.webhook.ClusterAccess;
import io.lxcfs.webhook.config.WebhookConfig;
import io.lxcfs.webhook.config.WebhookConfig.Mode;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.tls.TlsConfigurationRegistry;

/**
 * Serves the HTTPS server's certificate from the {@link ServingSource} of the configured mode (see
 * {@link WebhookConfig.Tls#mode()}) and keeps it current: the source is asked again every check interval, and what
 * it returns is handed to the server's key manager, which uses it from the next handshake on, so neither connections
 * in flight nor racing handshakes are dropped. The certificate is registered before the HTTP server opens.
 */
@ApplicationScoped
public class TlsManager {
    private static final Logger LOG = Logger.getLogger(TlsManager.class);

    @Inject
    WebhookConfig config;
    @Inject
    ClusterAccess cluster;
    @Inject
    TlsConfigurationRegistry registry;

    private final Clock clock = Clock.systemUTC();
    private ServingSource source;
    private WebhookTlsConfiguration tls;
    private ScheduledExecutorService scheduler;

    void onStart(@Observes @Priority(10) StartupEvent ev) {
        source = source();
        ServingMaterial initial = source.initial(clock.instant());
        tls = new WebhookTlsConfiguration(initial);
        registry.register(WebhookTlsConfiguration.NAME, tls);
        LOG.info(source.describe(initial));
        long period = Math.max(1, config.tls().checkInterval().toMillis());
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lxcfs-tls-check");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(this::safeCheck, period, period, TimeUnit.MILLISECONDS);
    }

    void onStop(@Observes ShutdownEvent ev) {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }

    private ServingSource source() {
        WebhookConfig.Tls c = config.tls();
        ServingIssuer issuer = new ServingIssuer(new RotationPolicy(c.caValidity(), c.certValidity(), c.renewBefore()),
                clock);
        String httpsPort = ConfigProvider.getConfig().getOptionalValue("quarkus.http.ssl-port", String.class)
                .orElse("8443");
        LocalCertificate local = new LocalCertificate(localDir(), withExtraSans(List.of("localhost", "127.0.0.1", "::1")),
                issuer, httpsPort);
        return switch (c.mode()) {
            case FILES -> new CertificateFiles(c.certFile(), c.keyFile());
            case SECRET -> new UserSecret(cluster.client(), cluster.namespace(), c.secretName(), caBundlePublisher());
            case LOCAL -> local;
            case SELF_MANAGED -> {
                if (!cluster.configured()) {
                    LOG.warnf("TLS mode self-managed but no Kubernetes API is configured: using local mode");
                    yield local;
                }
                yield new SharedSecret(cluster.client(), cluster.namespace(), c.secretName(), serviceNames(), issuer,
                        caBundlePublisher(), local);
            }
        };
    }

    private CaBundlePublisher caBundlePublisher() {
        return new CaBundlePublisher(cluster.client(), config.tls().webhookConfigurationName());
    }

    /** The certificate currently served. */
    public ServingMaterial current() {
        return tls.material();
    }

    /** The mode in effect: self-managed serves local certificates without a Kubernetes API. */
    public Mode effectiveMode() {
        return source.mode();
    }

    private void safeCheck() {
        try {
            check(clock.instant());
        } catch (RuntimeException e) {
            LOG.warnf("certificate check failed: %s", e.toString());
        }
    }

    /**
     * One round of maintenance as if it were {@code now} (the scheduler passes the real time; tests pass a later
     * one): renew what is due, pick up changed files or Secrets, re-assert the caBundle. Returns true when the served
     * certificate changed. Must not run on an event-loop thread.
     */
    public synchronized boolean check(Instant now) {
        ServingMaterial current = tls.material();
        ServingMaterial next = source.refresh(current, now);
        if (next.sameServing(current)) {
            return false;
        }
        tls.update(next);
        LOG.infof("serving a new certificate (expires %s)", next.leafNotAfter());
        return true;
    }

    /** DNS names of the Service: name, name.ns, name.ns.svc, name.ns.svc.cluster.local, plus extras. */
    public List<String> serviceNames() {
        String svc = config.tls().serviceName();
        String ns = cluster.namespace();
        return withExtraSans(List.of(svc, svc + "." + ns, svc + "." + ns + ".svc", svc + "." + ns + ".svc.cluster.local"));
    }

    private List<String> withExtraSans(List<String> names) {
        LinkedHashSet<String> all = new LinkedHashSet<>(names);
        config.tls().extraSans().ifPresent(all::addAll);
        return new ArrayList<>(all);
    }

    public Path localDir() {
        return config.tls().localDir().orElse(Path.of(System.getProperty("java.io.tmpdir"), "lxcfs-webhook-tls"));
    }
}

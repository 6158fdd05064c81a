package io.lxcfs.webhook.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.lxcfs.webhook.ClusterAccess;
import io.lxcfs.webhook.config.WebhookConfig;
import io.lxcfs.webhook.config.WebhookConfig.Mode;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.tls.TlsConfigurationRegistry;

/**
 * Provides the HTTPS server's certificate in one of four modes (see {@link WebhookConfig.Tls#mode()}) and keeps it
 * current: renewal before expiry, reloading changed files or Secrets, caBundle of the MutatingWebhookConfiguration.
 * The certificate is registered before the HTTP server opens; a renewal is handed to the server's key manager, which
 * uses it from the next handshake on, so neither connections in flight nor racing handshakes are dropped.
 */
@ApplicationScoped
public class TlsManager {
    private static final Logger LOG = Logger.getLogger(TlsManager.class);
    static final String CA_CRT = "ca.crt";
    static final String CA_KEY = "ca.key";
    static final String TLS_CRT = "tls.crt";
    static final String TLS_KEY = "tls.key";

    @Inject
    WebhookConfig config;
    @Inject
    ClusterAccess cluster;
    @Inject
    TlsConfigurationRegistry registry;

    private WebhookTlsConfiguration tls;
    /** The mode actually in effect (self-managed falls back to local without a cluster). */
    private volatile Mode effectiveMode;
    private ScheduledExecutorService scheduler;
    private volatile boolean warnedNoWebhookConfig;
    private volatile boolean warnedApi;
    private Clock clock = Clock.systemUTC();

    void onStart(@Observes @Priority(10) StartupEvent ev) {
        Instant now = clock.instant();
        Mode mode = config.tls().mode();
        ServingMaterial initial;
        switch (mode) {
            case FILES -> initial = readFiles();
            case SECRET -> initial = readUserSecret();
            case LOCAL -> initial = local(now);
            default -> {
                if (!cluster.configured()) {
                    LOG.warnf("TLS mode self-managed but no Kubernetes API is configured: using local mode");
                    mode = Mode.LOCAL;
                    initial = local(now);
                } else {
                    ServingMaterial m;
                    try {
                        m = selfManaged(null, now);
                    } catch (KubernetesClientException e) {
                        LOG.warnf("TLS mode self-managed but the Kubernetes API is not reachable (%s): serving a local "
                                + "self-signed certificate until it is", e.getMessage());
                        warnedApi = true;
                        m = local(now);
                    }
                    initial = m;
                }
            }
        }
        effectiveMode = mode;
        tls = new WebhookTlsConfiguration(initial);
        registry.register(WebhookTlsConfiguration.NAME, tls);
        logServing(initial);
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

    /** The certificate currently served. */
    public ServingMaterial current() {
        return tls.material();
    }

    public Mode effectiveMode() {
        return effectiveMode;
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
     * one): renew what is due, pick up changed files or Secrets, re-assert the
     * caBundle. Returns true when the served certificate changed. Must not run on an event-loop thread.
     */
    public synchronized boolean check(Instant now) {
        ServingMaterial current = tls.material();
        ServingMaterial next = switch (config.tls().mode()) {
            case FILES -> readFiles();
            case SECRET -> readUserSecret();
            case LOCAL -> dueForRenewal(current, now) ? local(now) : current;
            default -> {
                if (!cluster.configured()) {
                    yield dueForRenewal(current, now) ? local(now) : current;
                }
                try {
                    ServingMaterial m = selfManaged(effectiveMode == Mode.SELF_MANAGED ? current : null, now);
                    if (effectiveMode != Mode.SELF_MANAGED) {
                        LOG.info("Kubernetes API reachable: switching to the shared self-managed certificate");
                        effectiveMode = Mode.SELF_MANAGED;
                    }
                    yield m;
                } catch (KubernetesClientException e) {
                    if (!warnedApi) {
                        LOG.warnf("Kubernetes API not reachable for certificate maintenance: %s", e.getMessage());
                        warnedApi = true;
                    }
                    yield dueForRenewal(current, now) && effectiveMode != Mode.SELF_MANAGED ? local(now) : current;
                }
            }
        };
        if (next.sameServing(current)) {
            return false;
        }
        tls.update(next);
        LOG.infof("serving a new certificate (expires %s)", next.leafNotAfter());
        return true;
    }

    private boolean dueForRenewal(ServingMaterial m, Instant now) {
        return m.leafNotAfter().isBefore(now.plus(config.tls().renewBefore()));
    }

    // ---- self-managed -------------------------------------------------------------------------------------------

    /** DNS names of the Service: name, name.ns, name.ns.svc, name.ns.svc.cluster.local, plus extras. */
    public List<String> serviceNames() {
        String svc = config.tls().serviceName();
        String ns = cluster.namespace();
        java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>(List.of(svc, svc + "." + ns,
                svc + "." + ns + ".svc", svc + "." + ns + ".svc.cluster.local"));
        config.tls().extraSans().ifPresent(names::addAll);
        return new ArrayList<>(names);
    }

    private ServingMaterial selfManaged(ServingMaterial served, Instant now) {
        KubernetesClient client = cluster.client();
        String ns = cluster.namespace();
        String name = config.tls().secretName();
        List<String> names = serviceNames();
        Secret secret = client.secrets().inNamespace(ns).withName(name).get();
        ServingMaterial m = secret == null ? null : fromSecret(secret, true);
        if (m == null || !Certificates.covers(m.leaf(), names) || dueForRenewal(m, now)) {
            ServingMaterial renewed = issue(m, names, now);
            Map<String, String> data = toSecretData(renewed);
            try {
                if (secret == null) {
                    client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName(name)
                            .withNamespace(ns).addToLabels("app.kubernetes.io/managed-by", "lxcfs-webhook").endMetadata()
                            .withType("kubernetes.io/tls").withData(data).build()).create();
                    LOG.infof("created Secret %s/%s with a new CA and serving certificate", ns, name);
                } else {
                    Secret updated = new SecretBuilder(secret).withData(data).build();
                    client.secrets().inNamespace(ns).resource(updated).update(); // optimistic: resourceVersion kept
                    LOG.infof("renewed the certificate in Secret %s/%s (expires %s)", ns, name, renewed.leafNotAfter());
                }
                m = renewed;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                // another replica won the race: use what it wrote
                Secret theirs = client.secrets().inNamespace(ns).withName(name).get();
                m = theirs == null ? null : fromSecret(theirs, true);
                if (m == null) {
                    throw e;
                }
                LOG.infof("Secret %s/%s was written by another replica; using its certificate", ns, name);
            }
        }
        ensureCaBundle(m.caBundlePem());
        return m;
    }

    /**
     * A new serving certificate, reusing the CA unless it would expire before the new certificate. {@code now} drives
     * the decisions (which CA to keep); the certificates themselves are always issued from the real clock, so tests can
     * ask "what if it were later" and still get certificates that are valid now.
     */
    ServingMaterial issue(ServingMaterial previous, List<String> names, Instant now) {
        Instant issueAt = clock.instant();
        Certificates.Issued ca = null;
        List<X509Certificate> bundle = new ArrayList<>();
        if (previous != null && previous.caKeyPem() != null) {
            X509Certificate prevCa = previous.caCertificates().get(0);
            Instant caMustOutlive = now.plus(config.tls().certValidity()).plus(config.tls().renewBefore());
            if (prevCa.getNotAfter().toInstant().isAfter(caMustOutlive)) {
                ca = new Certificates.Issued(prevCa, Certificates.parsePrivateKey(previous.caKeyPem()));
                bundle.addAll(previous.caCertificates());
            } else {
                // keep trusting the old CA while it is valid: other replicas may still serve its leaf
                for (X509Certificate c : previous.caCertificates()) {
                    if (c.getNotAfter().toInstant().isAfter(now)) {
                        bundle.add(c);
                    }
                }
            }
        }
        if (ca == null) {
            ca = Certificates.newCa("lxcfs-webhook-ca", issueAt, config.tls().caValidity());
            bundle.add(0, ca.certificate());
        }
        Certificates.Issued leaf = Certificates.newServing(ca, names, issueAt, config.tls().certValidity());
        return new ServingMaterial(Certificates.pem(leaf.certificate()), Certificates.pem(leaf.key()),
                Certificates.pem(bundle), Certificates.pem(ca.key()));
    }

    private void ensureCaBundle(String caBundlePem) {
        String name = config.tls().webhookConfigurationName();
        String encoded = Base64.getEncoder().encodeToString(caBundlePem.getBytes(StandardCharsets.US_ASCII));
        var resource = cluster.client().admissionRegistration().v1().mutatingWebhookConfigurations().withName(name);
        MutatingWebhookConfiguration mwc = resource.get();
        if (mwc == null) {
            if (!warnedNoWebhookConfig) {
                LOG.warnf("MutatingWebhookConfiguration %s not found: caBundle not written (will retry)", name);
                warnedNoWebhookConfig = true;
            }
            return;
        }
        warnedNoWebhookConfig = false;
        boolean stale = mwc.getWebhooks() != null && mwc.getWebhooks().stream().anyMatch(w -> w.getClientConfig() == null
                || !encoded.equals(w.getClientConfig().getCaBundle()));
        if (!stale) {
            return;
        }
        resource.edit(m -> {
            for (MutatingWebhook w : m.getWebhooks()) {
                if (w.getClientConfig() == null) {
                    w.setClientConfig(new io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfig());
                }
                w.getClientConfig().setCaBundle(encoded);
            }
            return m;
        });
        LOG.infof("wrote caBundle into MutatingWebhookConfiguration %s", name);
    }

    private static Map<String, String> toSecretData(ServingMaterial m) {
        Map<String, String> data = new HashMap<>();
        data.put(TLS_CRT, b64(m.certChainPem()));
        data.put(TLS_KEY, b64(m.keyPem()));
        data.put(CA_CRT, b64(m.caBundlePem()));
        if (m.caKeyPem() != null) {
            data.put(CA_KEY, b64(m.caKeyPem()));
        }
        return data;
    }

    /** Reads tls.crt/tls.key (+ ca.crt, ca.key); null when incomplete or unreadable. */
    static ServingMaterial fromSecret(Secret s, boolean needCaKey) {
        Map<String, String> d = s.getData() == null ? Map.of() : s.getData();
        Map<String, String> sd = s.getStringData() == null ? Map.of() : s.getStringData();
        String crt = value(d, sd, TLS_CRT);
        String key = value(d, sd, TLS_KEY);
        String ca = value(d, sd, CA_CRT);
        String caKey = value(d, sd, CA_KEY);
        if (crt == null || key == null || (needCaKey && (ca == null || caKey == null))) {
            return null;
        }
        try {
            return new ServingMaterial(crt, key, ca, caKey).validate();
        } catch (RuntimeException e) {
            LOG.warnf("Secret %s holds an unreadable certificate: %s", s.getMetadata().getName(), e.getMessage());
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

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.US_ASCII));
    }

    // ---- user Secret --------------------------------------------------------------------------------------------

    private ServingMaterial readUserSecret() {
        String ns = cluster.namespace();
        String name = config.tls().secretName();
        Secret s = cluster.client().secrets().inNamespace(ns).withName(name).get();
        if (s == null) {
            throw new IllegalStateException("TLS mode secret: Secret " + ns + "/" + name + " not found");
        }
        ServingMaterial m = fromSecret(s, false);
        if (m == null) {
            throw new IllegalStateException("TLS mode secret: Secret " + ns + "/" + name
                    + " needs PEM tls.crt and tls.key");
        }
        if (m.caBundlePem() != null) {
            ensureCaBundle(m.caBundlePem());
        }
        return m;
    }

    // ---- files (cert-manager) -----------------------------------------------------------------------------------

    private ServingMaterial readFiles() {
        Path crt = config.tls().certFile();
        Path key = config.tls().keyFile();
        try {
            return new ServingMaterial(Files.readString(crt, StandardCharsets.US_ASCII),
                    Files.readString(key, StandardCharsets.US_ASCII), null, null).validate();
        } catch (IOException | RuntimeException e) {
            if (tls != null) {
                // mid-rotation (files being swapped) or broken: keep serving what we have
                LOG.warnf("cannot read %s / %s (%s): keeping the current certificate", crt, key, e.getMessage());
                return tls.material();
            }
            throw new IllegalStateException("TLS mode files: cannot read " + crt + " and " + key + ": "
                    + e.getMessage(), e);
        }
    }

    // ---- local --------------------------------------------------------------------------------------------------

    public Path localDir() {
        return config.tls().localDir().orElse(Path.of(System.getProperty("java.io.tmpdir"), "lxcfs-webhook-tls"));
    }

    private ServingMaterial local(Instant now) {
        java.util.LinkedHashSet<String> nameSet = new java.util.LinkedHashSet<>(List.of("localhost", "127.0.0.1", "::1"));
        config.tls().extraSans().ifPresent(nameSet::addAll);
        List<String> names = new ArrayList<>(nameSet);
        Path dir = localDir();
        try {
            Files.createDirectories(dir);
            ServingMaterial existing = null;
            if (Files.exists(dir.resolve(TLS_CRT)) && Files.exists(dir.resolve(CA_KEY))) {
                try {
                    existing = new ServingMaterial(Files.readString(dir.resolve(TLS_CRT)),
                            Files.readString(dir.resolve(TLS_KEY)), Files.readString(dir.resolve(CA_CRT)),
                            Files.readString(dir.resolve(CA_KEY)));
                    existing.validate();
                } catch (IOException | RuntimeException e) {
                    existing = null;
                }
            }
            if (existing != null && Certificates.covers(existing.leaf(), names) && !dueForRenewal(existing, now)) {
                return existing;
            }
            ServingMaterial m = issue(existing, names, now);
            write(dir.resolve(CA_KEY), m.caKeyPem(), true);
            write(dir.resolve(TLS_KEY), m.keyPem(), true);
            write(dir.resolve(CA_CRT), m.caBundlePem(), false);
            write(dir.resolve(TLS_CRT), m.certChainPem(), false);
            return m;
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the local certificate to " + dir + ": " + e.getMessage(), e);
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

    private void logServing(ServingMaterial m) {
        switch (effectiveMode) {
            case LOCAL -> LOG.infof("TLS: self-signed certificate for localhost; CA certificate: %s (e.g. curl --cacert %s "
                    + "https://127.0.0.1:%s/mutate)", localDir().resolve(CA_CRT), localDir().resolve(CA_CRT),
                    org.eclipse.microprofile.config.ConfigProvider.getConfig().getOptionalValue("quarkus.http.ssl-port", String.class).orElse("8443"));
            case SELF_MANAGED -> LOG.infof("TLS: self-managed certificate from Secret %s/%s for %s, expires %s",
                    cluster.namespace(), config.tls().secretName(), serviceNames(), m.leafNotAfter());
            case FILES -> LOG.infof("TLS: certificate from %s, expires %s", config.tls().certFile(), m.leafNotAfter());
            case SECRET -> LOG.infof("TLS: certificate from Secret %s/%s, expires %s", cluster.namespace(),
                    config.tls().secretName(), m.leafNotAfter());
        }
    }
}

package io.lxcfs.webhook.policy;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.lxcfs.crds.v1alpha1.ProcViewPolicy;
import io.lxcfs.crds.v1alpha1.ProcViewPolicyStatus;
import io.lxcfs.webhook.ClusterAccess;
import io.lxcfs.webhook.config.WebhookConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Live view of the ProcViewPolicy objects and of namespace labels, kept by two informers. Admission reads the
 * informers' caches only (no API call on the admission path). With no Kubernetes API the store is simply empty; with
 * an unreachable one the informers retry in the background and the failure is logged once.
 */
@ApplicationScoped
public class PolicyStore {
    private static final Logger LOG = Logger.getLogger(PolicyStore.class);
    public static final String NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

    @Inject
    ClusterAccess cluster;
    @Inject
    WebhookConfig config;

    private volatile SharedIndexInformer<ProcViewPolicy> policies;
    private volatile SharedIndexInformer<Namespace> namespaces;
    private final AtomicBoolean warned = new AtomicBoolean();
    private final AtomicLong events = new AtomicLong();
    private final Object changed = new Object();

    void onStart(@Observes @Priority(20) StartupEvent ev) {
        if (!config.policiesEnabled()) {
            LOG.info("ProcViewPolicy watching disabled (lxcfs.webhook.policies.enabled=false)");
            return;
        }
        if (!cluster.configured()) {
            LOG.info("no Kubernetes API configured: running without ProcViewPolicy objects (annotation only)");
            return;
        }
        try {
            var client = cluster.client();
            SharedIndexInformer<ProcViewPolicy> p = client.resources(ProcViewPolicy.class).runnableInformer(0);
            p.exceptionHandler((started, t) -> {
                warnOnce(t);
                return true; // keep retrying with back-off
            });
            p.addEventHandler(new ResourceEventHandler<>() {
                @Override
                public void onAdd(ProcViewPolicy obj) {
                    LOG.infof("policy %s added (enabled=%s)", obj.getMetadata().getName(), obj.getSpec().getEnabled());
                    observed(obj);
                }

                @Override
                public void onUpdate(ProcViewPolicy oldObj, ProcViewPolicy newObj) {
                    if (!java.util.Objects.equals(oldObj.getMetadata().getGeneration(), newObj.getMetadata().getGeneration())) {
                        LOG.infof("policy %s changed", newObj.getMetadata().getName());
                    }
                    observed(newObj);
                }

                @Override
                public void onDelete(ProcViewPolicy obj, boolean deletedFinalStateUnknown) {
                    LOG.infof("policy %s deleted", obj.getMetadata().getName());
                    signal();
                }
            });
            SharedIndexInformer<Namespace> n = client.namespaces().runnableInformer(0);
            n.exceptionHandler((started, t) -> {
                warnOnce(t);
                return true;
            });
            n.addEventHandler(new ResourceEventHandler<>() {
                public void onAdd(Namespace obj) {
                    signal();
                }

                public void onUpdate(Namespace oldObj, Namespace newObj) {
                    signal();
                }

                public void onDelete(Namespace obj, boolean deletedFinalStateUnknown) {
                    signal();
                }
            });
            policies = p;
            namespaces = n;
            p.start().whenComplete((v, t) -> {
                if (t == null) {
                    LOG.infof("watching ProcViewPolicy objects (%d known)", p.getStore().list().size());
                    signal();
                }
            });
            n.start().whenComplete((v, t) -> signal());
        } catch (RuntimeException e) {
            warnOnce(e);
        }
    }

    void onStop(@Observes ShutdownEvent ev) {
        if (policies != null) {
            policies.stop();
        }
        if (namespaces != null) {
            namespaces.stop();
        }
    }

    private void warnOnce(Throwable t) {
        if (warned.compareAndSet(false, true)) {
            LOG.warnf("cannot watch ProcViewPolicy objects or namespaces (%s); admissions use the pod annotation only "
                    + "until the API answers", t.toString());
        }
    }

    private void observed(ProcViewPolicy p) {
        signal();
        if (!config.policiesUpdateStatus()) {
            return;
        }
        Long gen = p.getMetadata().getGeneration();
        if (gen == null || (p.getStatus() != null && gen.equals(p.getStatus().getObservedGeneration()))) {
            return;
        }
        try {
            ProcViewPolicy copy = new ProcViewPolicy();
            copy.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
                    .withName(p.getMetadata().getName()).build());
            copy.setSpec(null);
            copy.setStatus(new ProcViewPolicyStatus(gen));
            cluster.client().resources(ProcViewPolicy.class).resource(copy).patchStatus();
        } catch (RuntimeException e) {
            LOG.debugf("cannot write status of policy %s: %s", p.getMetadata().getName(), e.getMessage());
        }
    }

    private void signal() {
        events.incrementAndGet();
        synchronized (changed) {
            changed.notifyAll();
        }
    }

    /** All known policies (empty without a cluster). */
    public List<ProcViewPolicy> policies() {
        SharedIndexInformer<ProcViewPolicy> p = policies;
        return p == null ? List.of() : p.getStore().list();
    }

    /** Labels of a namespace from the cache; at least {@code kubernetes.io/metadata.name}. */
    public Map<String, String> namespaceLabels(String namespace) {
        if (namespace == null) {
            return Map.of();
        }
        SharedIndexInformer<Namespace> n = namespaces;
        Namespace ns = n == null ? null : n.getStore().getByKey(namespace);
        if (ns == null || ns.getMetadata().getLabels() == null) {
            return Map.of(NAMESPACE_NAME_LABEL, namespace);
        }
        Map<String, String> labels = new HashMap<>(ns.getMetadata().getLabels());
        labels.putIfAbsent(NAMESPACE_NAME_LABEL, namespace);
        return labels;
    }

    /** Whether the policy informer has listed the policies at least once. */
    public boolean synced() {
        SharedIndexInformer<ProcViewPolicy> p = policies;
        return p != null && p.hasSynced();
    }

    /** Waits (without polling) until {@code condition} holds after informer events, or the timeout passes. */
    public boolean await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (changed) {
            while (!condition.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.wait(Math.max(1, left / 1_000_000));
            }
            return true;
        }
    }
}

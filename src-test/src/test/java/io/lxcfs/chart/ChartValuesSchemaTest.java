package io.lxcfs.chart;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** values.schema.json (and the templates' own checks) reject bad values before anything reaches a cluster. */
class ChartValuesSchemaTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "webhook: {tls: {mode: bogus}}",
            "webhook: {tls: {mode: files}}",                         // the webhook's mode, not a chart mode
            "webhook: {tls: {mode: secret}}",                        // secret mode without the Secret's name
            "webhook: {failurePolicy: Maybe}",
            "webhook: {timeoutSeconds: 31}",
            "webhook: {timeoutSeconds: \"5\"}",
            "webhook: {tls: {checkInterval: 1m}}",                   // ISO-8601 for the webhook
            "webhook: {excludedNamespaces: [Not_A_Namespace]}",
            "webhook: {replicaCount: 0}",
            "webhook: {unknownKnob: true}",
            "policies: [{name: p, spec: {enabled: true, files: [passwd]}}]",
            "policies: [{name: p, spec: {files: [meminfo]}}]",       // enabled is required
            "policies: [{name: p, spec: {enabled: true, files: []}}]",
            "policies: [{name: p, spec: {enabled: true, namespaceSelector: {matchExpressions: [{key: a, operator: Has}]}}}]",
            "mountPath: relative/lxcfs",
            "mountPath: /lxcfs",                                     // its parent would be /
            "logLevel: verbose",
            "daemon: {updateStrategy: {type: Recreate}}",
            "daemon: {image: {pullPolicy: Sometimes}}",
            "daemon: {loadavgInterval: 5}",
            "daemon: {priorityClass: system-node-critical}",         // misspelt key
            "imagePullSecrets: [regcred]",
            "someTopLevelTypo: 1",
    })
    void rejected(String values) {
        Exception e = assertThrows(Exception.class, () -> Chart.render(values), values);
        // rejected by values.schema.json, not by some template accident
        assertTrue(e.getMessage().contains("values don't meet the specifications of the schema"), e.getMessage());
    }

    @Test
    void schemaErrorsNameTheValue() {
        Exception e = assertThrows(Exception.class, () -> Chart.render("webhook: {tls: {mode: bogus}}"));
        assertTrue(e.getMessage().contains("mode"), e.getMessage());
    }

    @Test
    void everyKnobAccepted() {
        Chart.render("""
                nameOverride: lx
                fullnameOverride: lxcfs-x
                imagePullSecrets: [{name: regcred}]
                commonLabels: {team: infra}
                mountPath: /run/lxcfs/view
                logLevel: DEBUG
                policies: [{name: p, labels: {a: b}, spec: {enabled: false, podSelector: {matchExpressions:
                  [{key: batch, operator: Exists}]}, files: [meminfo, cpuinfo, stat, uptime, loadavg, swaps, diskstats,
                  cpu_online], initContainers: true}}]
                daemon:
                  image: {repository: registry.local/lxcfs-daemon, tag: dev, pullPolicy: Always}
                  port: 9441
                  priorityClassName: ""
                  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxSurge: "10%", maxUnavailable: 0}}
                  terminationGracePeriodSeconds: 60
                  tolerations: [{key: gpu, operator: Exists, effect: NoSchedule}]
                  nodeSelector: {pool: a}
                  affinity: {nodeAffinity: {}}
                  podAnnotations: {x: y}
                  podLabels: {y: z}
                  resources: {requests: {cpu: 100m, memory: 200Mi}, limits: {memory: 300Mi}}
                  javaOpts: -XX:+PrintFlagsFinal
                  cgroupRoot: /host/sys/fs/cgroup
                  cgroupNamespaceRoot: /kubepods
                  passthrough: true
                  loadavgInterval: 10s
                  fuseOptions: entry_timeout=1
                  livenessProbe: {periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 5}
                  extraEnv: [{name: FOO, value: bar}]
                webhook:
                  replicaCount: 3
                  failurePolicy: Fail
                  timeoutSeconds: 10
                  excludedNamespaces: [monitoring]
                  policies: {enabled: true, updateStatus: false}
                  tls:
                    mode: cert-manager
                    extraSans: [a.example.com]
                    checkInterval: PT30S
                    selfManaged: {caValidity: P100D, certValidity: P10D, renewBefore: PT12H}
                    certManager: {issuerRef: {name: ca, kind: ClusterIssuer, group: cert-manager.io},
                                  duration: 2160h, renewBefore: 360h}
                  service: {port: 8443}
                  podDisruptionBudget: {enabled: true, minAvailable: 2}
                  priorityClassName: system-cluster-critical
                  resources: {requests: {cpu: 1, memory: 1Gi}}
                  javaOpts: -Xmx128m
                metrics: {serviceMonitor: {enabled: true, interval: 1m, scrapeTimeout: 5s, labels: {release: kps}}}
                """);
    }
}

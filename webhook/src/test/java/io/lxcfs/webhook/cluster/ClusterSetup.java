package io.lxcfs.webhook.cluster;

import java.util.function.Consumer;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.kubernetes.client.KubernetesServer;

/** What the chart would have created before the webhook starts: its MutatingWebhookConfiguration and namespaces. */
public class ClusterSetup implements Consumer<KubernetesServer> {
    public static final String WEBHOOK_CONFIG = "lxcfs-webhook";

    @Override
    public void accept(KubernetesServer server) {
        KubernetesClient c = server.getClient();
        c.admissionRegistration().v1().mutatingWebhookConfigurations().resource(
                new MutatingWebhookConfigurationBuilder().withNewMetadata().withName(WEBHOOK_CONFIG).endMetadata()
                        .addNewWebhook().withName("pods.lxcfs.io").withAdmissionReviewVersions("v1")
                        .withSideEffects("None").withFailurePolicy("Ignore").withTimeoutSeconds(5)
                        .withReinvocationPolicy("IfNeeded")
                        .withNewClientConfig().withNewService().withName("lxcfs-webhook").withNamespace("test")
                        .withPath("/mutate").withPort(443).endService().endClientConfig()
                        .addNewRule().withOperations("CREATE").withApiGroups("").withApiVersions("v1")
                        .withResources("pods").endRule()
                        .endWebhook()
                        .addNewWebhook().withName("pods-reinvoked.lxcfs.io").withAdmissionReviewVersions("v1")
                        .withSideEffects("None").withNewClientConfig().withNewService().withName("lxcfs-webhook")
                        .withNamespace("test").withPath("/mutate").endService().endClientConfig()
                        .endWebhook().build())
                .create();
        c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("shop")
                .addToLabels("kubernetes.io/metadata.name", "shop").addToLabels("team", "a").endMetadata().build())
                .create();
        c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("other")
                .addToLabels("kubernetes.io/metadata.name", "other").endMetadata().build()).create();
    }
}

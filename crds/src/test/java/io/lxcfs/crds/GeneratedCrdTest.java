package io.lxcfs.crds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.lxcfs.crds.v1alpha1.ProcFileName;
import io.lxcfs.crds.v1alpha1.ProcViewPolicy;

/** The CRD generated from the Java types at build time is well formed, and policies validate against it. */
class GeneratedCrdTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static Path crdFile;
    static JsonNode crdTree;
    static JsonSchema schema;

    @BeforeAll
    static void load() throws IOException {
        crdFile = Path.of(System.getProperty("lxcfs.crd.dir", "target/classes/META-INF/fabric8"))
                .resolve("procviewpolicies.lxcfs.io-v1.yml");
        assertTrue(Files.isRegularFile(crdFile), "generated CRD missing: " + crdFile);
        crdTree = YAML.readTree(crdFile.toFile());
        JsonNode openApi = crdTree.at("/spec/versions/0/schema/openAPIV3Schema");
        assertFalse(openApi.isMissingNode());
        // openAPIV3Schema is a subset of JSON Schema draft 4 plus x-kubernetes-* keywords, which are ignored.
        schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(openApi);
    }

    @Test
    void crdDeserializesAndDescribesAClusterScopedResource() throws IOException {
        CustomResourceDefinition crd = new KubernetesSerialization().unmarshal(Files.readString(crdFile),
                CustomResourceDefinition.class);
        assertEquals(ProcViewPolicy.CRD_NAME, crd.getMetadata().getName());
        assertEquals("lxcfs.io", crd.getSpec().getGroup());
        assertEquals("Cluster", crd.getSpec().getScope());
        assertEquals("ProcViewPolicy", crd.getSpec().getNames().getKind());
        assertEquals(1, crd.getSpec().getVersions().size());
        CustomResourceDefinitionVersion v = crd.getSpec().getVersions().get(0);
        assertEquals("v1alpha1", v.getName());
        assertTrue(v.getServed() && v.getStorage());
        assertNotNull(v.getSubresources().getStatus(), "status subresource");
        Set<String> columns = v.getAdditionalPrinterColumns().stream().map(c -> c.getName()).collect(Collectors.toSet());
        assertEquals(Set.of("Enabled", "Files", "InitContainers", "Age"), columns);
        assertEquals(List.of("enabled"), v.getSchema().getOpenAPIV3Schema().getProperties().get("spec").getRequired());
        assertNotNull(v.getSchema().getOpenAPIV3Schema().getProperties().get("status").getProperties()
                .get("observedGeneration"));
    }

    @Test
    void schemaIsStructural() {
        List<String> untyped = new ArrayList<>();
        checkTyped(crdTree.at("/spec/versions/0/schema/openAPIV3Schema"), "", untyped);
        assertEquals(List.of(), untyped, "every schema node needs a type (structural schema)");
    }

    private static void checkTyped(JsonNode node, String path, List<String> untyped) {
        if (!node.has("type") && !node.has("x-kubernetes-int-or-string")
                && !node.has("x-kubernetes-preserve-unknown-fields")) {
            untyped.add(path.isEmpty() ? "/" : path);
        }
        if (node.has("properties")) {
            Iterator<Map.Entry<String, JsonNode>> it = node.get("properties").fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                checkTyped(e.getValue(), path + "/" + e.getKey(), untyped);
            }
        }
        if (node.has("items")) {
            checkTyped(node.get("items"), path + "[]", untyped);
        }
        if (node.has("additionalProperties") && node.get("additionalProperties").isObject()) {
            checkTyped(node.get("additionalProperties"), path + "{}", untyped);
        }
    }

    @Test
    void fileEnumIsExactlyTheEightFiles() {
        Set<String> names = new java.util.HashSet<>();
        crdTree.at("/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/files/items/enum")
                .forEach(n -> names.add(n.asText()));
        Set<String> expected = EnumSet.allOf(ProcFileName.class).stream().map(Enum::name).collect(Collectors.toSet());
        assertEquals(expected, names);
        assertEquals(8, names.size());
    }

    @Test
    void examplePoliciesValidate() throws IOException {
        Path examples = Path.of(System.getProperty("lxcfs.examples.dir", "../examples")).resolve("policy.yaml");
        List<JsonNode> docs = readAll(examples);
        assertEquals(3, docs.size());
        for (JsonNode doc : docs) {
            assertEquals("lxcfs.io/v1alpha1", doc.get("apiVersion").asText());
            assertEquals("ProcViewPolicy", doc.get("kind").asText());
            assertEquals(Set.of(), errors(doc), "example " + doc.at("/metadata/name"));
            // and the Java type reads it
            ProcViewPolicy p = new KubernetesSerialization().unmarshal(YAML.writeValueAsString(doc), ProcViewPolicy.class);
            assertNotNull(p.getSpec().getEnabled());
        }
    }

    @Test
    void minimalPolicyValidates() throws IOException {
        assertEquals(Set.of(), errors(policy("{\"enabled\": true}")));
        assertEquals(Set.of(), errors(policy("{\"enabled\": false, \"files\": [\"cpu_online\"], \"initContainers\": true}")));
    }

    @Test
    void invalidPoliciesFail() throws IOException {
        assertFalse(errors(policy("{}")).isEmpty(), "enabled is required");
        assertFalse(errors(policy("{\"enabled\": \"yes\"}")).isEmpty(), "enabled is a boolean");
        assertFalse(errors(policy("{\"enabled\": true, \"files\": [\"pressure\"]}")).isEmpty(), "unknown file");
        assertFalse(errors(policy("{\"enabled\": true, \"files\": []}")).isEmpty(), "empty file list");
        assertFalse(errors(policy("{\"enabled\": true, \"files\": \"meminfo\"}")).isEmpty(), "files is a list");
        assertFalse(errors(policy("{\"enabled\": true, \"initContainers\": 1}")).isEmpty(), "initContainers is a boolean");
        assertFalse(errors(policy("{\"enabled\": true, \"podSelector\": {\"matchLabels\": {\"a\": 1}}}")).isEmpty(),
                "label values are strings");
        assertFalse(errors(policy("{\"enabled\": true, \"files\": [\"meminfo\",\"cpuinfo\",\"stat\",\"uptime\","
                + "\"loadavg\",\"swaps\",\"diskstats\",\"cpu_online\",\"meminfo\"]}")).isEmpty(), "at most 8 files");
    }

    private static ObjectNode policy(String specJson) throws IOException {
        ObjectNode doc = (ObjectNode) YAML.readTree("apiVersion: lxcfs.io/v1alpha1\nkind: ProcViewPolicy\n"
                + "metadata:\n  name: test\n");
        doc.set("spec", new ObjectMapper().readTree(specJson));
        return doc;
    }

    private static Set<ValidationMessage> errors(JsonNode doc) {
        return schema.validate(doc);
    }

    private static List<JsonNode> readAll(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        try (YAMLParser parser = new YAMLFactory().createParser(file.toFile())) {
            Iterator<JsonNode> it = YAML.readValues(parser, JsonNode.class);
            while (it.hasNext()) {
                JsonNode n = it.next();
                if (n != null && !n.isNull() && !n.isMissingNode()) {
                    out.add(n);
                }
            }
        }
        return out;
    }
}

package io.lxcfs.chart;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A CA and a serving certificate for the webhook Service's DNS names, made with the JDK's keytool: what cert-manager
 * would write into the chart's TLS Secret ({@code tls.crt}, {@code tls.key}, {@code ca.crt}) in the chart's
 * {@code cert-manager} mode.
 */
final class TestCertificates {

    private TestCertificates() {
    }

    /** The Secret's data, by key. */
    static Map<String, byte[]> secret(Path dir, List<String> dnsNames) throws Exception {
        Files.createDirectories(dir);
        Path ks = dir.resolve("ks.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        List<String> common = List.of("-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", "changeit");
        keytool(keytool, common, "-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=lxcfs-pods-it-ca", "-ext", "bc:c", "-validity", "2");
        keytool(keytool, common, "-genkeypair", "-alias", "leaf", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=" + dnsNames.get(0), "-validity", "2");
        keytool(keytool, common, "-certreq", "-alias", "leaf", "-file", dir.resolve("leaf.csr").toString());
        keytool(keytool, common, "-gencert", "-alias", "ca", "-infile", dir.resolve("leaf.csr").toString(),
                "-outfile", dir.resolve("leaf.pem").toString(), "-rfc", "-validity", "2",
                "-ext", "san=" + String.join(",", dnsNames.stream().map(n -> "dns:" + n).toList()),
                "-ext", "ku:c=digitalSignature", "-ext", "eku=serverAuth");
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            store.load(in, "changeit".toCharArray());
        }
        PrivateKey key = (PrivateKey) store.getKey("leaf", "changeit".toCharArray());
        String caPem = pem("CERTIFICATE", store.getCertificate("ca").getEncoded());
        String leafPem = Files.readString(dir.resolve("leaf.pem"), StandardCharsets.US_ASCII);
        Map<String, byte[]> data = new LinkedHashMap<>();
        data.put("tls.crt", (leafPem.strip() + "\n").getBytes(StandardCharsets.US_ASCII));
        data.put("tls.key", pem("PRIVATE KEY", key.getEncoded()).getBytes(StandardCharsets.US_ASCII));
        data.put("ca.crt", caPem.getBytes(StandardCharsets.US_ASCII));
        return data;
    }

    private static void keytool(String keytool, List<String> common, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(keytool));
        cmd.addAll(List.of(args));
        cmd.addAll(common);
        PodmanPod.run(cmd, Duration.ofSeconds(60)).orThrow();
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }
}

package io.lxcfs.daemon.it;

import io.lxcfs.testing.RepoLayout;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The VM tier: the ITs whose subject changes with the cgroup version (the cgroup readers, the resolver, runc's
 * v2 paths) run again on a real cgroup v2 kernel. {@code scripts/vm/run-tests.sh} boots Debian 12's kernel with
 * {@code cgroup_no_v1=all} under qemu (TCG) with this module's test classpath shared over 9p; the JUnit console
 * launcher runs {@link #GUEST_TESTS} inside and leaves a JUnit XML report, on which this test fails the build.
 *
 * <p>{@code -Dlxcfs.vm.tests=Class[#method],...} runs other tests in the guest (simple names in this package).
 * See docs/vm-tests.md for what runs, the time it takes, and how to run the tier alone ({@code make vm-test}).
 */
class CgroupV2VmIT {

    /**
     * The consumer tier's checks of the CPU directory, the same tests as on the v1 host: a 0.5-CPU quota is
     * {@code cpu.max} here, and the cpuset case renumbers a CPU of the guest (it has two). Not the rest of
     * ConsumerProgramsIT: its other programs read the seven /proc files, which CgroupV2ViewIT and ProcViewMountIT
     * cover on v2, and several of them (python3, node, nginx, node_exporter) are not in the guest.
     */
    static final List<String> CPU_DIRECTORY_TESTS = List.of(
            "ConsumerProgramsIT#lscpuShowsOneCpuAndNoneOffLine",
            "ConsumerProgramsIT#getconfConfCountsOneCpuAndNprocAllFallsBackToTheAffinity",
            "ConsumerProgramsIT#nprocFollowsAffinityNotTheQuota",
            "ConsumerProgramsIT#mpstatSaysOneCpu",
            "ConsumerProgramsIT#htopDrawsOneCpuMeter",
            "ConsumerProgramsIT#withCpusetOneTheOneCpuIsTheHostsCpu1RenumberedAsZero");

    /**
     * What v2 changes: every file's readers (CgroupV2ViewIT, ProcViewMountIT), the CPU directory's readers
     * ({@link #CPU_DIRECTORY_TESTS}), load sampling, runc's v2 cgroups.
     * Not RestartIT: re-attaching is mount-namespace work, the same on v1 and v2, and its daemon restarts cost
     * six emulated minutes (and on the guest's 6.1 kernel, without MOVE_MOUNT_BENEATH, a re-attach shows the
     * host's file for a moment, which its crash test rejects; see docs/vm-tests.md).
     */
    static final List<String> GUEST_TESTS = Stream.concat(
            Stream.of("CgroupV2ViewIT", "ProcViewMountIT", "LoadavgIT", "RuncContainerIT"), CPU_DIRECTORY_TESTS.stream()).toList();

    @Test
    void theCgroupItsPassOnARealCgroupV2Kernel() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root (qemu, debootstrap, 9p)");
        Path repo = RepoLayout.root();
        Path module = repo.resolve("daemon");
        Path results = module.resolve("target/vm-tier");
        Path m2 = Path.of(System.getProperty("lxcfs.vm.m2", System.getProperty("user.home") + "/.m2/repository")).toRealPath();

        List<String> tests = Arrays.stream(System.getProperty("lxcfs.vm.tests", String.join(",", GUEST_TESTS)).split(","))
                .map(String::trim).filter(t -> !t.isEmpty()).toList();
        List<String> selectors = new ArrayList<>();
        for (String t : tests) {
            String cls = getClass().getPackageName() + "." + t.split("#")[0];
            selectors.add(t.contains("#") ? "--select-method=" + cls + "#" + t.split("#")[1] : "--select-class=" + cls);
        }

        // The guest mounts the repository and the Maven repository at their host paths; nothing else is there.
        // Without what these plain ITs do not use and what costs minutes of emulated CPU when merely present:
        // quarkus-junit* (its launcher session listener prepares Quarkus test applications) and Groovy (from
        // rest-assured; the console launcher's picocli initializes Groovy's runtime when it finds it).
        String classpath = Arrays.stream(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))
                        .split(File.pathSeparator))
                .filter(e -> !Path.of(e).getFileName().toString().matches("(quarkus-junit|groovy).*"))
                .collect(Collectors.joining(File.pathSeparator));
        List<String> unreachable = Arrays.stream(classpath.split(File.pathSeparator))
                .filter(e -> !e.isEmpty() && !Path.of(e).toAbsolutePath().startsWith(repo) && !Path.of(e).toAbsolutePath().startsWith(m2))
                .toList();
        assertEquals(List.of(), unreachable, "classpath entries outside " + repo + " and " + m2);

        Map<String, String> props = new LinkedHashMap<>();
        for (String p : List.of("lxcfs.daemon.jar", "lxcfs.daemon.script", "lxcfs.tools.dir", "java.util.logging.manager")) {
            if (System.getProperty(p) != null) {
                props.put(p, System.getProperty(p));
            }
        }
        // The emulated JVMs start in minutes, not seconds (measured: docs/vm-tests.md).
        props.put("lxcfs.test.daemon-start-seconds", System.getProperty("lxcfs.vm.daemon-start-seconds", "300"));
        Path log = Files.createDirectories(module.resolve("target")).resolve("vm-tier.log");
        ProcessBuilder pb = new ProcessBuilder("bash", repo.resolve("scripts/vm/run-tests.sh").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("LXCFS_VM_RESULTS", results.toString());
        pb.environment().put("LXCFS_VM_M2", m2.toString());
        pb.environment().put("LXCFS_VM_CLASSPATH", classpath);
        pb.environment().put("LXCFS_VM_SELECTORS", String.join(" ", selectors));
        pb.environment().put("LXCFS_VM_JAVA_PROPS", props.entrySet().stream()
                .map(e -> "-D" + e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" ")));
        long t0 = System.nanoTime();
        Process p = pb.start();
        if (!p.waitFor(40, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("the VM tier did not finish in 40 minutes\n" + Files.readString(log));
        }
        long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
        String runLog = Files.readString(log);
        System.out.println(runLog);

        Path report = results.resolve("junit/TEST-junit-jupiter.xml");
        assertTrue(Files.exists(report), "no JUnit report from the guest (exit " + p.exitValue() + ")\n" + runLog + tail(results.resolve("console.log")));
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(report.toFile());
        NodeList cases = doc.getElementsByTagName("testcase");
        List<String> passed = new ArrayList<>();
        List<String> notPassed = new ArrayList<>();
        for (int i = 0; i < cases.getLength(); i++) {
            Element c = (Element) cases.item(i);
            String name = c.getAttribute("classname").replace(getClass().getPackageName() + ".", "") + "#" + c.getAttribute("name");
            String problem = Stream.of("failure", "error", "skipped")
                    .filter(tag -> c.getElementsByTagName(tag).getLength() > 0)
                    .map(tag -> tag + ": " + firstLines(((Element) c.getElementsByTagName(tag).item(0))))
                    .findFirst().orElse(null);
            if (problem == null) {
                passed.add(name);
            } else {
                notPassed.add(name + " " + problem);
            }
        }
        String summary = String.format("VM tier (cgroup v2 guest): %d passed, %d failed or skipped, %d s in all%n", passed.size(),
                notPassed.size(), seconds);
        Files.writeString(results.resolve("summary.txt"), summary + String.join("\n", notPassed) + "\n");
        System.out.print(summary);
        String details = summary + String.join("\n", notPassed) + "\n" + runLog + tail(results.resolve("launcher.log"));
        // A skipped test in the guest is a failure of the tier: the guest is built to have everything they need.
        assertEquals(List.of(), notPassed, details);
        for (String t : tests) {
            String prefix = t.contains("#") ? t : t + "#";
            assertTrue(passed.stream().anyMatch(n -> n.startsWith(prefix)), "no test of " + t + " ran in the guest\n" + details);
        }
        assertEquals(0, p.exitValue(), details);
    }

    private static String firstLines(Element e) {
        String text = e.getAttribute("message") + "\n" + e.getTextContent();
        return text.lines().limit(12).collect(Collectors.joining("\n  "));
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            return "\n--- " + file + " (tail)\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
        } catch (Exception e) {
            return "\n(no " + file + ")";
        }
    }
}

package io.lxcfs.daemon.host;

import io.lxcfs.daemon.cgroup.FileSource;
import io.lxcfs.daemon.fixture.FixtureTree;
import io.lxcfs.daemon.fixture.MemoryFileSource;
import io.lxcfs.daemon.fixture.ShmTempDirFactory;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the view relies on from a {@link FileSource}, held against both: the production {@link LinuxFileSource}
 * over real directories and the in-memory {@link MemoryFileSource} the unit tier reads fixture hosts through. A
 * unit test that passes in memory then means the same on a disk.
 */
class FileSourceContractTest {

    @TempDir(factory = ShmTempDirFactory.class)
    Path tmp;

    FixtureTree host(String kind) {
        FixtureTree t = kind.equals("disk") ? new FixtureTree(tmp) : FixtureTree.inMemory();
        assertEquals(kind.equals("disk") ? LinuxFileSource.class : MemoryFileSource.class, t.fs().getClass());
        return t;
    }

    String at(FixtureTree t, String rel) {
        return t.root().resolve(rel).toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {"disk", "memory"})
    void readsWholeFilesByteForByte(String kind) throws IOException {
        FixtureTree t = host(kind);
        StringBuilder big = new StringBuilder();
        for (int i = 0; big.length() < 200_000; i++) {
            big.append("line ").append(i).append(" \u00e9\u00ff\t\n");
        }
        t.file("proc/big", big.toString()).file("proc/empty", "");
        FileSource fs = t.fs();
        assertEquals(big.toString(), fs.read(at(t, "proc/big")), "beyond one read(2) chunk, ISO-8859-1 as is");
        assertEquals("", fs.read(at(t, "proc/empty")));
        assertEquals(t.read("proc/meminfo"), fs.read(at(t, "proc/meminfo")));
        assertEquals(fs.read(at(t, "proc/meminfo")), fs.read(t.root() + "//proc/./meminfo"), "a path as the kernel resolves it");
    }

    @ParameterizedTest
    @ValueSource(strings = {"disk", "memory"})
    void aMissingFileIsNoSuchFileAndNullWhenOptional(String kind) {
        FixtureTree t = host(kind);
        FileSource fs = t.fs();
        assertThrows(NoSuchFileException.class, () -> fs.read(at(t, "proc/none")));
        assertThrows(NoSuchFileException.class, () -> fs.read(at(t, "nodir/none")));
        assertNull(fs.readOrNull(at(t, "proc/none")));
        t.file("proc/gone", "x\n").delete("proc/gone");
        assertNull(fs.readOrNull(at(t, "proc/gone")), "a deleted file");
    }

    @ParameterizedTest
    @ValueSource(strings = {"disk", "memory"})
    void aDirectoryIsNotAFile(String kind) {
        FixtureTree t = host(kind);
        FileSource fs = t.fs();
        IOException e = assertThrows(IOException.class, () -> fs.read(at(t, "proc")));
        assertFalse(e instanceof NoSuchFileException, e.toString());
        assertNull(fs.readOrNull(at(t, "proc")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"disk", "memory"})
    void subdirectoriesListsDirectoriesOnly(String kind) {
        FixtureTree t = host(kind);
        t.file("cg/a/cgroup.procs", "").file("cg/b-c/x/cgroup.procs", "").file("cg/b/cgroup.procs", "")
                .file("cg/cgroup.procs", "1\n").file("cg/a.txt", "");
        FileSource fs = t.fs();
        assertEquals(List.of("a", "b", "b-c"), fs.subdirectories(at(t, "cg")).stream().sorted().toList());
        assertEquals(List.of("x"), fs.subdirectories(at(t, "cg/b-c") + "/"));
        assertEquals(List.of(), fs.subdirectories(at(t, "cg/a")), "a leaf");
        assertEquals(List.of(), fs.subdirectories(at(t, "cg/none")), "a cgroup removed while we look");
        assertEquals(List.of(), fs.subdirectories(at(t, "cg/a.txt")), "a file");
    }

    @ParameterizedTest
    @ValueSource(strings = {"disk", "memory"})
    void existsForFilesAndDirectoriesUntilDeleted(String kind) {
        FixtureTree t = host(kind);
        t.file("cg/pod/ctr/cgroup.procs", "1\n");
        FileSource fs = t.fs();
        assertTrue(fs.exists(at(t, "cg/pod/ctr/cgroup.procs")));
        assertTrue(fs.exists(at(t, "cg/pod/ctr")));
        assertTrue(fs.exists(at(t, "cg/pod")));
        assertFalse(fs.exists(at(t, "cg/po")), "a prefix of a name is not a directory");
        assertFalse(fs.exists(at(t, "cg/none")));
        t.delete("cg/pod");
        assertFalse(fs.exists(at(t, "cg/pod/ctr")), "removed with its parent");
        assertFalse(fs.exists(at(t, "cg/pod")));
    }
}

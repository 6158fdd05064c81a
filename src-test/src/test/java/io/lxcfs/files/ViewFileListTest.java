package io.lxcfs.files;

import io.lxcfs.crds.v1alpha1.ProcFileName;
import io.lxcfs.daemon.view.ProcFile;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The files of the view are listed twice: the daemon serves {@link ProcFile} and the policy CRD (the webhook's
 * input) names {@link ProcFileName}. They cannot be one class: the daemon does not depend on the CRD model
 * (fabric8, Jackson) and the CRD model has no business with the daemon. So this test keeps them one list: the
 * same files, in the same order, by the same names and paths.
 */
class ViewFileListTest {

    @Test
    void theDaemonServesExactlyTheFilesAPolicyCanName() {
        assertEquals(Arrays.stream(ProcFile.values()).map(f -> f.label + " " + f.path).toList(),
                Arrays.stream(ProcFileName.values()).map(f -> f.fileName() + " " + f.containerPath()).toList());
    }

    @Test
    void anUnknownNameIsRefusedWithTheNamesAllowed() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ProcFileName.of("pressure"));
        List<String> labels = Arrays.stream(ProcFile.values()).map(f -> f.label).toList();
        assertEquals("unknown file 'pressure'; allowed: " + String.join(", ", labels), e.getMessage());
    }
}

package io.lxcfs.webhook.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.EnumSet;

import io.fabric8.zjsonpatch.DiffFlags;
import io.fabric8.zjsonpatch.JsonDiff;

/** The RFC 6902 JSON Patch between a pod and its mutated copy. */
public final class PodPatch {
    /** Only add/remove/replace: no move or copy operations (clearer, and nothing depends on array order). */
    private static final EnumSet<DiffFlags> FLAGS = EnumSet.of(DiffFlags.OMIT_VALUE_ON_REMOVE,
            DiffFlags.OMIT_MOVE_OPERATION, DiffFlags.OMIT_COPY_OPERATION);

    private PodPatch() {
    }

    /**
     * Diff of {@code before} and {@code after}, both serialized the same way, so only what the mutation changed
     * appears (annotation keys escaped as JSON Pointer, e.g. {@code /metadata/annotations/lxcfs.io~1status}).
     * An empty array when nothing changed.
     */
    public static JsonNode diff(ObjectMapper mapper, Pod before, Pod after) {
        return JsonDiff.asJson(mapper.valueToTree(before), mapper.valueToTree(after), FLAGS);
    }
}

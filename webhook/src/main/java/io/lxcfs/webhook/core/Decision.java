package io.lxcfs.webhook.core;

import java.util.List;

/**
 * Outcome of {@link InjectionDecider}: either inject with {@link #options()} or skip for {@link #skipReason()};
 * {@link #warnings()} go back to the client as admission warnings either way.
 */
public record Decision(boolean inject, MutationOptions options, SkipReason skipReason, String source,
        List<String> warnings) {

    public static Decision inject(MutationOptions options, String source) {
        return new Decision(true, options, null, source, List.of());
    }

    public static Decision skip(SkipReason reason, String source) {
        return new Decision(false, null, reason, source, List.of());
    }

    public static Decision skip(SkipReason reason, String source, String warning) {
        return new Decision(false, null, reason, source, List.of(warning));
    }
}

package io.lxcfs.daemon.fuse;

import io.lxcfs.daemon.view.ProcFile;
import io.lxcfs.daemon.view.RenderResult;

/** Told about every rendered open, for metrics; must be cheap and thread-safe. */
public interface ReadListener {

    ReadListener NONE = (file, result, nanos) -> { };

    void rendered(ProcFile file, RenderResult result, long nanos);
}

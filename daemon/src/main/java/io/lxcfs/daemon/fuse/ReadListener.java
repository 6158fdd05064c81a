package io.lxcfs.daemon.fuse;

import io.lxcfs.daemon.view.ProcFile;
import io.lxcfs.daemon.view.RenderResult;

/** Told about every render (each read at offset 0, and a continuation whose snapshot was gone), for metrics; must be cheap and thread-safe. */
public interface ReadListener {

    ReadListener NONE = (file, result, nanos) -> { };

    void rendered(ProcFile file, RenderResult result, long nanos);
}

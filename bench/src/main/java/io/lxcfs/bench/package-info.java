/** {@code make bench}: the daemon side by side with the reference LXCFS, and the webhook under load. */
package io.lxcfs.bench;

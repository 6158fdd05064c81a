/** The documentation: it stands on its own in a clone. */
package io.lxcfs.docs;

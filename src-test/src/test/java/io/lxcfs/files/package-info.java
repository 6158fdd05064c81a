/** Facts that two deployables state each for itself (they share no code), held equal. */
package io.lxcfs.files;

package io.lxcfs.daemon.view;

/** {@code Label:   1234 kB} lines of the host's meminfo. */
final class HostMeminfo {

    private HostMeminfo() {
    }

    /**
     * The number on line {@code label:} of a meminfo text; 0 when there is no such line or it holds no number. A scan
     * of the text, no split: meminfo is read on every open of the view's meminfo and swaps.
     */
    static long kb(String meminfo, String label) {
        int len = label.length();
        for (int at = meminfo.indexOf(label); at >= 0; at = meminfo.indexOf(label, at + 1)) {
            if ((at == 0 || meminfo.charAt(at - 1) == '\n') && at + len < meminfo.length() && meminfo.charAt(at + len) == ':') {
                int i = at + len + 1;
                while (i < meminfo.length() && meminfo.charAt(i) == ' ') {
                    i++;
                }
                long value = 0;
                int digits = 0;
                for (char c; i < meminfo.length() && (c = meminfo.charAt(i)) >= '0' && c <= '9'; i++, digits++) {
                    value = value * 10 + (c - '0');
                }
                return digits == 0 ? 0 : value;
            }
        }
        return 0;
    }
}

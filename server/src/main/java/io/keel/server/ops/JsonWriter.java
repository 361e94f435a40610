package io.keel.server.ops;

/**
 * Writes JSON text for the ops port and {@code keel status -w json}: objects, arrays, strings, numbers, booleans.
 * The server module has no JSON library and these answers are small and flat, so a writer that only escapes
 * correctly is enough. Commas are placed by the writer; callers only open, name, write and close.
 */
public final class JsonWriter {
    private final StringBuilder out = new StringBuilder(256);
    /** Whether the value about to be written needs a comma before it (one flag per open container). */
    private boolean needComma;

    public JsonWriter beginObject() {
        separate();
        out.append('{');
        needComma = false;
        return this;
    }

    public JsonWriter endObject() {
        out.append('}');
        needComma = true;
        return this;
    }

    public JsonWriter beginArray() {
        separate();
        out.append('[');
        needComma = false;
        return this;
    }

    public JsonWriter endArray() {
        out.append(']');
        needComma = true;
        return this;
    }

    /** The next value's name inside an object. */
    public JsonWriter name(String name) {
        separate();
        string(name);
        out.append(':');
        needComma = false;
        return this;
    }

    public JsonWriter value(String s) {
        separate();
        if (s == null) out.append("null");
        else string(s);
        needComma = true;
        return this;
    }

    public JsonWriter value(long n) {
        separate();
        out.append(n);
        needComma = true;
        return this;
    }

    public JsonWriter value(boolean b) {
        separate();
        out.append(b);
        needComma = true;
        return this;
    }

    public JsonWriter field(String name, String s) {
        return name(name).value(s);
    }

    public JsonWriter field(String name, long n) {
        return name(name).value(n);
    }

    public JsonWriter field(String name, boolean b) {
        return name(name).value(b);
    }

    public JsonWriter field(String name, Iterable<String> strings) {
        name(name).beginArray();
        for (String s : strings) value(s);
        return endArray();
    }

    private void separate() {
        if (needComma) out.append(',');
    }

    /**
     * A JSON string. Besides quotes, backslashes and control characters, '<', '>' and '&' are escaped too, so a
     * member name such as {@code </script>} stays inert even if someone pastes this JSON into an HTML page.
     */
    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    @Override
    public String toString() {
        return out.toString();
    }
}

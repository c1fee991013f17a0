package org.aiflow.client;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Unit tests of {@link Json}, run as a program (no test framework: the clients depend on the JDK alone).
 *
 * <p>Without arguments it runs every check, prints one line per failure and a summary, and exits 1 when any
 * failed. With {@code echo} it reads a JSON document (UTF-8) from standard input and writes it back, for a test
 * on the Python side to compare with Python's own reader and writer; input that is not JSON is one line on
 * standard error and exit status 1.
 */
public final class JsonTest {
    private final List<String> failures = new ArrayList<>();
    private int checks;

    private JsonTest() {
    }

    /** Run the checks, or echo standard input with {@code echo}. */
    public static void main(String[] args) throws IOException {
        if (args.length == 1 && args[0].equals("echo")) {
            String input = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
            try {
                System.out.write(Json.write(Json.parse(input)).getBytes(StandardCharsets.UTF_8));
            } catch (Json.JsonException e) {
                System.err.println(e.getMessage());
                System.exit(1);
            }
            System.out.flush();
            return;
        }
        JsonTest test = new JsonTest();
        test.literalsAndNumbers();
        test.strings();
        test.nesting();
        test.writing();
        test.badInput();
        for (String failure : test.failures) {
            System.out.println("FAIL " + failure);
        }
        System.out.println("json checks: " + test.checks + ", failed: " + test.failures.size());
        System.exit(test.failures.isEmpty() ? 0 : 1);
    }

    private void literalsAndNumbers() {
        parses("null", null);
        parses("true", true);
        parses(" false\n", false);
        parses("0", 0L);
        parses("-0", 0L);
        parses("-12", -12L);
        parses("9223372036854775807", Long.MAX_VALUE);
        parses("-9223372036854775808", Long.MIN_VALUE);
        parses("9223372036854775808", new BigInteger("9223372036854775808"));
        parses("1.5", 1.5);
        parses("1e3", 1000.0);
        parses("-2.5E-3", -0.0025);
        parses("1E+2", 100.0);
        parses("0.1", 0.1);
    }

    private void strings() {
        parses("\"\"", "");
        parses("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"", "a\"b\\c/d\b\f\n\r\t");
        parses("\"\\u00e9\\u00C9\"", "\u00e9\u00c9");
        parses("\"\\ud83d\\ude00\"", "\ud83d\ude00");
        parses("\"\u00e9t\u00e9 \ud83d\ude00 \u4e2d\"", "\u00e9t\u00e9 \ud83d\ude00 \u4e2d");
        parses("\"\\u0000\"", "\0");
        parses("\"\\ud800\"", "\ud800");
    }

    private void nesting() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("b", null);
        Map<String, Object> outer = new LinkedHashMap<>();
        outer.put("z", Arrays.asList(1L, inner, List.of()));
        outer.put("a", Map.of());
        parses(" { \"z\" : [ 1 , { \"b\" : null } , [ ] ] , \"a\" : { } } ", outer);
        check("object keys keep document order", List.copyOf(Json.parseObject("{\"z\":1,\"a\":2,\"m\":3}").keySet()),
                List.of("z", "a", "m"));
        check("a repeated key keeps the last value", Json.parseObject("{\"a\":1,\"a\":2}").get("a"), 2L);
        String deep = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
        check("nesting up to the limit reads", Json.write(Json.parse(deep)), deep);
    }

    private void writing() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("text", "quote \" backslash \\ slash / newline \n tab \t bell \u0007 \u00e9 \ud83d\ude00");
        doc.put("numbers", Arrays.asList(0, -1L, 1.5, 1e20, 2.5e-7, new BigInteger("123456789012345678901234567890")));
        doc.put("flags", Arrays.asList(true, false, null));
        doc.put("array", new Object[] {"x", 1});
        check("writes compactly with escapes", Json.write(doc),
                "{\"text\":\"quote \\\" backslash \\\\ slash / newline \\n tab \\t bell \\u0007 \u00e9 \ud83d\ude00\","
                        + "\"numbers\":[0,-1,1.5,1.0E20,2.5E-7,123456789012345678901234567890],"
                        + "\"flags\":[true,false,null],\"array\":[\"x\",1]}");
        check("a lone surrogate is written escaped", Json.write("a\udc00b\ud800"), "\"a\\udc00b\\ud800\"");
        check("what is written reads back", Json.parse(Json.write(doc.get("text"))), doc.get("text"));
        refusesToWrite("NaN", Double.NaN);
        refusesToWrite("infinity", Double.POSITIVE_INFINITY);
        refusesToWrite("a float infinity", Float.NEGATIVE_INFINITY);
        refusesToWrite("a non-string key", Map.of(1, "a"));
        refusesToWrite("an object of no JSON type", new Object());
    }

    private void badInput() {
        for (String text : new String[] {
            "", " ", "{", "}", "[", "[1,]", "[,1]", "{\"a\":1,}", "{\"a\" 1}", "{1:2}", "{\"a\":}", "[1 2]", "1 2",
            "01", "-01", "1.", ".5", "+1", "-", "1e", "1e+", "0x10", "1e999", "-1e999", "NaN", "Infinity",
            "-Infinity", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\u12g4\"", "\"a\nb\"", "\"a\tb\"", "tru", "nul",
            "True", "'a'", "[1]]", "{\"a\":1}}", "\u00a0", "/* */1",
        }) {
            refuses(text);
        }
        refuses("[".repeat(Json.MAX_DEPTH + 1) + "]".repeat(Json.MAX_DEPTH + 1));
        refuses("{\"a\":".repeat(100_000));
        try {
            Json.parse("[1, 2, x]");
            fail("the error names its place", "no error");
        } catch (Json.JsonException e) {
            check("the error names its place", e.getMessage(), "invalid JSON at character 7: unexpected character 'x'");
        }
        try {
            Json.parseObject("[1]");
            fail("parseObject refuses an array", "no error");
        } catch (Json.JsonException e) {
            check("parseObject refuses an array", e.getMessage(), "expected a JSON object, got ArrayList");
        }
    }

    private void parses(String text, Object expected) {
        try {
            check("parse " + text, Json.parse(text), expected);
        } catch (RuntimeException e) {
            fail("parse " + text, e.toString());
        }
    }

    private void refuses(String text) {
        String name = "refuse " + (text.length() > 40 ? text.substring(0, 40) + "..." : text);
        try {
            fail(name, "read as " + Json.write(Json.parse(text)));
        } catch (Json.JsonException e) {
            checks++;
        } catch (RuntimeException | StackOverflowError e) {
            fail(name, "raised " + e);
        }
    }

    private void refusesToWrite(String name, Object value) {
        try {
            fail("refuse to write " + name, "wrote " + Json.write(value));
        } catch (Json.JsonException e) {
            checks++;
        }
    }

    private void check(String name, Object actual, Object expected) {
        checks++;
        if (!Objects.equals(actual, expected) || (expected != null && actual.getClass() != expected.getClass())) {
            failures.add(name + ": expected " + describe(expected) + ", got " + describe(actual));
        }
    }

    private void fail(String name, String why) {
        checks++;
        failures.add(name + ": " + why);
    }

    private static String describe(Object value) {
        return value == null ? "null" : value + " (" + value.getClass().getSimpleName() + ")";
    }
}

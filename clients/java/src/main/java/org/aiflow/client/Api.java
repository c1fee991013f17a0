package org.aiflow.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * The one HTTP connection of the clients to the REST API: base address, bearer token, JSON, errors, paging.
 *
 * <p>Every answer the server gives with a status of 400 or more becomes an {@link AIFlowException} with that
 * status and the server's message; a server that cannot be reached becomes one with status 0. The token is
 * sent in the {@code Authorization} header and appears in no message.
 */
public final class Api {
    /** The path every route of the REST API is under. */
    public static final String API_PREFIX = "/api/v1";
    /** The largest page the server returns; lists without a limit are read page by page. */
    public static final int PAGE_SIZE = 1000;
    /** How long a request may wait for its answer (an upload loads the workflow file first). */
    public static final Duration TIMEOUT = Duration.ofSeconds(300);

    private final String baseUrl;
    private final String token;
    private final HttpClient http;

    /**
     * A connection to the server at {@code address}.
     *
     * @param address {@code http://host:port} or {@code host:port}; the API prefix is added when missing
     * @param token the API token, or null for a server that needs none
     */
    public Api(String address, String token) {
        String url = address.trim().replaceAll("/+$", "");
        if (!url.contains("://")) {
            url = "http://" + url;
        }
        this.baseUrl = url.endsWith(API_PREFIX) ? url : url + API_PREFIX;
        this.token = token == null || token.isEmpty() ? null : token;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    /** The address requests go to, with the API prefix. */
    public String getBaseUrl() {
        return baseUrl;
    }

    /** The API path of {@code parts}, each encoded as one segment: {@code resource("namespaces", "a b")}. */
    public static String resource(Object... parts) {
        StringBuilder path = new StringBuilder();
        for (Object part : parts) {
            path.append('/').append(encode(String.valueOf(part)).replace("+", "%20"));
        }
        return path.toString();
    }

    /** The API path of a workflow, or of {@code parts} below it. */
    public static String workflowResource(String namespace, String workflowName, Object... parts) {
        Object[] all = new Object[parts.length + 4];
        all[0] = "namespaces";
        all[1] = namespace;
        all[2] = "workflows";
        all[3] = workflowName;
        System.arraycopy(parts, 0, all, 4, parts.length);
        return resource(all);
    }

    /**
     * Send one request and return the decoded JSON answer (null for an empty one).
     *
     * @param query query arguments; null values are left out (the map may be null)
     * @param body a JSON body, or null for none
     * @throws AIFlowException the server answered with an error or was not reached
     */
    public Object call(String method, String path, Map<String, ?> query, Object body) {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(Json.write(body), StandardCharsets.UTF_8);
        HttpRequest.Builder request = request(path, query, TIMEOUT).method(method, publisher);
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return send(request.build());
    }

    /** Like {@link #call}, with no query and no body. */
    public Object call(String method, String path) {
        return call(method, path, null, null);
    }

    /** Like {@link #call} with no query, but empty when the server answers 404. */
    public Optional<Object> callOrEmpty(String method, String path, Object body) {
        try {
            return Optional.ofNullable(call(method, path, null, body));
        } catch (AIFlowException e) {
            if (e.getStatusCode() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** The JSON object the server answered to a GET of {@code path}, made into a record; empty on 404. */
    public <R> Optional<R> getOrEmpty(String path, Function<Map<String, Object>, R> record) {
        return callOrEmpty("GET", path, null).map(answer -> record.apply(object(answer)));
    }

    /**
     * The items of the list at {@code path}: {@code limit} of them from {@code offset}, or all from
     * {@code offset} when {@code limit} is null, read a page at a time.
     */
    public <R> List<R> listItems(String path, Integer limit, int offset, Function<Map<String, Object>, R> record) {
        return listItems(path, Map.of(), limit, offset, record);
    }

    /** Like {@link #listItems(String, Integer, int, Function)}, with the query arguments {@code filters}. */
    public <R> List<R> listItems(String path, Map<String, ?> filters, Integer limit, int offset,
                                 Function<Map<String, Object>, R> record) {
        List<R> items = new ArrayList<>();
        Map<String, Object> query = new HashMap<>(filters);
        while (limit == null || items.size() < limit) {
            query.put("limit", limit == null ? PAGE_SIZE : Math.min(PAGE_SIZE, limit - items.size()));
            query.put("offset", offset + items.size());
            Map<String, Object> page = object(call("GET", path, query, null));
            List<?> found = (List<?>) page.get("items");
            for (Object item : found) {
                items.add(record.apply(object(item)));
            }
            if (found.isEmpty() || offset + items.size() >= ((Number) page.get("total")).longValue()) {
                break;
            }
        }
        return items;
    }

    /**
     * POST a multipart form: the text {@code fields} and one file, as a browser would.
     *
     * @throws AIFlowException the server answered with an error or was not reached
     */
    public Object postForm(String path, Map<String, String> fields, String fileField, String fileName,
                           String contentType, byte[] data) {
        String boundary = "aiflow-" + UUID.randomUUID();
        ByteArrayOutputStream form = new ByteArrayOutputStream();
        for (Map.Entry<String, String> field : fields.entrySet()) {
            writeAscii(form, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field.getKey()
                    + "\"\r\n\r\n");
            form.writeBytes(field.getValue().getBytes(StandardCharsets.UTF_8));
            writeAscii(form, "\r\n");
        }
        writeAscii(form, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + fileField
                + "\"; filename=\"" + fileName.replace("\"", "") + "\"\r\nContent-Type: " + contentType + "\r\n\r\n");
        form.writeBytes(data);
        writeAscii(form, "\r\n--" + boundary + "--\r\n");
        HttpRequest request = request(path, null, TIMEOUT)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(form.toByteArray()))
                .build();
        return send(request);
    }

    /**
     * GET {@code path} without waiting: the future completes with the decoded answer, or with an
     * {@link AIFlowException}. Cancelling the future abandons the request.
     */
    public CompletableFuture<Object> getAsync(String path, Map<String, ?> query, Duration timeout) {
        HttpRequest request = request(path, query, timeout).GET().build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                .handle((response, failure) -> {
                    if (failure != null) {
                        throw new CompletionException(unreachable(failure));
                    }
                    return answer(response);
                });
    }

    /** The JSON object {@code answer}, or an exception saying the server answered something else. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(Object answer) {
        if (!(answer instanceof Map)) {
            throw new AIFlowException("the server answered " + Json.write(answer) + " where an object was expected",
                    null);
        }
        return (Map<String, Object>) answer;
    }

    private HttpRequest.Builder request(String path, Map<String, ?> query, Duration timeout) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(baseUrl + path + queryString(query)))
                .timeout(timeout)
                .header("Accept", "application/json");
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        return builder;
    }

    private Object send(HttpRequest request) {
        try {
            return answer(http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AIFlowException("interrupted while waiting for the AIFlow server at " + baseUrl, e);
        }
    }

    private AIFlowException unreachable(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        return new AIFlowException("cannot reach the AIFlow server at " + baseUrl + ": " + cause, cause);
    }

    private static Object answer(HttpResponse<String> response) {
        String body = response.body();
        if (response.statusCode() >= 400) {
            throw errorOf(response.statusCode(), body);
        }
        try {
            return body.isEmpty() ? null : Json.parse(body);
        } catch (Json.JsonException e) {
            throw new AIFlowException("the AIFlow server's answer is not JSON: " + e.getMessage(), e);
        }
    }

    /** The exception for an error answer: the server's {@code {"error", "detail"}}, or the first line of its text. */
    static AIFlowException errorOf(int status, String body) {
        try {
            Object decoded = Json.parse(body);
            if (decoded instanceof Map && ((Map<?, ?>) decoded).get("detail") != null) {
                Map<?, ?> error = (Map<?, ?>) decoded;
                Object kind = error.get("error");
                return new AIFlowException(String.valueOf(error.get("detail")), status,
                        kind == null ? null : String.valueOf(kind));
            }
        } catch (Json.JsonException e) {
            // not JSON: the text says what went wrong
        }
        String line = body.strip().lines().findFirst().orElse("");
        return new AIFlowException("HTTP " + status + " from the AIFlow server" + (line.isEmpty() ? "" : ": " + line),
                status, null);
    }

    private static String queryString(Map<String, ?> query) {
        if (query == null) {
            return "";
        }
        StringJoiner joined = new StringJoiner("&", "?", "").setEmptyValue("");
        for (Map.Entry<String, ?> argument : query.entrySet()) {
            if (argument.getValue() != null) {
                joined.add(encode(argument.getKey()) + "=" + encode(String.valueOf(argument.getValue())));
            }
        }
        return joined.toString();
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private static void writeAscii(ByteArrayOutputStream out, String text) {
        out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
    }
}

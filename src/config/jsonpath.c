/* jsonpath.c — syntax check of the json_mask JSONPath subset (masking.md §10). */
#include "config/jsonpath.h"

#include "util/xalloc.h"

#include <stdbool.h>
#include <stddef.h>

/* Longest array index accepted: 18 digits always fits in an int64. */
#define MAX_INDEX_DIGITS 18

static size_t cp_index(const char *s, size_t off)
{
    size_t n = 0;
    for (size_t i = 0; i < off && s[i]; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

static bool is_name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static char *problem_at(const char *path, size_t off, const char *what)
{
    return pv_xasprintf("%s at position %zu", what, cp_index(path, off));
}

/* `.name` or `.*` at path[i] == '.'; returns the next offset or 0 with *problem. */
static size_t member(const char *path, size_t i, char **problem)
{
    size_t j = i + 1;
    if (path[j] == '*')
        return j + 1;
    if (!is_name_start(path[j])) {
        *problem = problem_at(path, j, "expected a member name or '*' after '.'");
        return 0;
    }
    while (is_name_start(path[j]) || is_digit(path[j]))
        j++;
    return j;
}

/* A quoted key starting at path[j] (the quote); returns the offset after it. */
static size_t quoted_key(const char *path, size_t j, char **problem)
{
    char quote = path[j];
    size_t start = j++;
    for (;;) {
        char c = path[j];
        if (c == '\0') {
            *problem = problem_at(path, start, "unterminated quoted key");
            return 0;
        }
        if (c == quote)
            return j + 1;
        if (c == '\\') {
            char e = path[j + 1];
            if (e != '\'' && e != '"' && e != '\\') {
                *problem =
                    problem_at(path, j, "invalid escape in quoted key (use \\', \\\" or \\\\)");
                return 0;
            }
            j += 2;
        } else {
            j++;
        }
    }
}

/* `[n]`, `[-n]`: returns the offset of the closing bracket or 0 with *problem. */
static size_t array_index(const char *path, size_t j, char **problem)
{
    size_t start = j;
    if (path[j] == '-')
        j++;
    size_t digits = 0;
    while (is_digit(path[j])) {
        j++;
        digits++;
    }
    if (digits == 0) {
        *problem = problem_at(path, start, "expected an array index");
        return 0;
    }
    if (digits > MAX_INDEX_DIGITS) {
        *problem = problem_at(path, start, "array index out of range");
        return 0;
    }
    return j;
}

/* `[...]` at path[i] == '['; returns the next offset or 0 with *problem. */
static size_t subscript(const char *path, size_t i, char **problem)
{
    size_t j = i + 1;
    char c = path[j];
    if (c == '*')
        j++;
    else if (c == '\'' || c == '"')
        j = quoted_key(path, j, problem);
    else if (c == '-' || is_digit(c))
        j = array_index(path, j, problem);
    else {
        *problem = problem_at(path, j, "expected an index, '*' or a quoted key after '['");
        return 0;
    }
    if (!j)
        return 0;
    if (path[j] != ']') {
        *problem = problem_at(path, j, "expected ']'");
        return 0;
    }
    return j + 1;
}

char *pv_jsonpath_check(const char *path)
{
    char *problem = NULL;
    if (path[0] != '$')
        return problem_at(path, 0, "path must start with '$'");
    size_t i = 1;
    while (path[i]) {
        size_t next;
        if (path[i] == '.')
            next = member(path, i, &problem);
        else if (path[i] == '[')
            next = subscript(path, i, &problem);
        else
            return problem_at(path, i, "expected '.' or '['");
        if (!next)
            return problem;
        i = next;
    }
    return NULL;
}

// ServerName's cost per name: the check every store operation, every CLI name
// and every mock-acme identifier goes through. ASCII names are checked by our
// own code; A-labels and U-labels go through libidn2 (IDNA2008, UTS #46).
//
//   build/bench/name_bench [--calls 200000]
//
// Each row: median nanoseconds per call over 7 runs of CALLS calls.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "cxxacme/Error.h"
#include "cxxacme/ServerName.h"

using namespace cxxacme;

namespace {

double medianNanos(int calls, const std::function<std::size_t()>& call) {
    std::vector<double> runs;
    std::size_t sink = 0;
    for (int r = 0; r < 7; ++r) {
        const auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < calls; ++i) sink += call();
        runs.push_back(std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() / calls);
    }
    if (sink == 42) std::puts("");  // keeps the calls
    std::sort(runs.begin(), runs.end());
    return runs[runs.size() / 2];
}

std::size_t canonicalSize(const std::string& name) {
    try {
        return ServerName::canonical(name).size();
    } catch (const InvalidNameError&) {
        return 1;
    }
}

}  // namespace

int main(int argc, char** argv) {
    int calls = 200000;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--calls") == 0 && i + 1 < argc) {
            calls = std::max(1, std::atoi(argv[++i]));
        } else {
            std::fprintf(stderr, "usage: name_bench [--calls N]\n");
            return 2;
        }
    }
    struct Row {
        const char* label;
        std::string name;
    };
    const std::vector<Row> rows{
        {"ASCII name", "www.example.com"},
        {"ASCII wildcard", "*.Example.COM"},
        {"IPv4 address", "192.0.2.1"},
        {"IPv6 address", "2001:DB8:0:0:0:0:0:1"},
        {"A-label (libidn2 check)", "xn--bcher-kva.example"},
        {"U-label (libidn2 conversion)", "B\xc3\xbc" "cher.example"},
        {"refused: non-NFC A-label", "xn--109-3veba6djs1bfxlfmx6c9g.example"},
        {"refused: path tricks", "../etc/passwd"},
    };
    std::printf("%-36s %12s\n", "name", "ns/call");
    for (const auto& row : rows)
        std::printf("%-36s %12.0f\n", row.label, medianNanos(calls, [&] { return canonicalSize(row.name); }));
    const std::string key = "a.example, B\xc3\xbc" "cher.example,192.0.2.1";
    std::printf("%-36s %12.0f\n", "store key of three names", medianNanos(calls, [&] {
                    return ServerName::canonicalKey(key).size();
                }));
    return 0;
}

#!/usr/bin/env python3
"""bench/tls-libraries/table.py SPAWN CLIENT SIZES LIB...: the table of bench/tls-libraries/run
(markdown, as docs/benchmarks.md has it), from the outputs of spawn, client.py and the sizes."""
import sys


def parse(path):
    rows = {}
    for line in open(path):
        words = line.split()
        if not words:
            continue
        fields = dict(w.split("=", 1) for w in words[1:] if "=" in w)
        key = words[0] if "kind" not in fields else (words[0], fields["kind"])
        rows[key] = fields
    return rows


def main():
    spawn, client, sizes = parse(sys.argv[1]), parse(sys.argv[2]), parse(sys.argv[3])
    libraries = sys.argv[4:]
    plain = spawn["plain"]
    base_size = int(sizes["hello"]["size"])
    rows = {}
    for lib in libraries:
        hello, setup = spawn[f"{lib}.hello"], spawn[f"{lib}.setup"]
        full, resumed = client[(lib, "full")], client[(lib, "resumed")]
        row = {
            "exec_ratio": float(hello["wall_us"]) / float(plain["wall_us"]),
            "exec_plus_us": float(hello["wall_us"]) - float(plain["wall_us"]),
            "exec_plus_cpu_us": float(hello["cpu_us"]) - float(plain["cpu_us"]),
            "exec_faults": float(hello["faults"]) - float(plain["faults"]),
            "setup_us": float(setup["cpu_us"]) - float(hello["cpu_us"]),
            "setup_inside_us": float(full["setup_us"]),
            "full_us": float(full["handshake_us"]),
            "conn_full_us": float(full["process_cpu_us"]),
            "size_kb": (int(sizes[lib]["size"]) - base_size) / 1024,
            "version": full["version"], "cipher": full["cipher"],
            "failures": int(full["failures"]) + int(resumed["failures"]),
        }
        if int(resumed["resumed"]) * 2 > int(resumed["n"]):
            row["resumed_us"] = float(resumed["handshake_us"])
            row["conn_resumed_us"] = float(resumed["process_cpu_us"])
            row["resumed_share"] = f"{resumed['resumed']}/{resumed['n']}"
        rows[lib] = row
    reference = rows[libraries[0]]

    def versus(lib, key, digits=0):
        value = rows[lib].get(key)
        if value is None:
            return "none"
        ratio = value / reference[key] if reference.get(key) else float("nan")
        return f"{value:.{digits}f} ({ratio:.2f}x)"

    print(f"\nplain static hello: {float(plain['wall_us']):.0f} µs wall, {float(plain['cpu_us']):.0f} µs CPU,"
          f" {float(plain['faults']):.0f} page faults per exec, {base_size / 1024:.0f} KB stripped")
    print(f"ratios in brackets: against {libraries[0]}\n")
    print("| library | handshake | hello exec wall (x plain) | + exec CPU µs | + page faults | set-up CPU µs | full handshake CPU µs"
          " | resumed handshake CPU µs | resumed / full | process CPU per connection, full µs"
          " | same, resumed µs | + size KB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for lib in libraries:
        r = rows[lib]
        share = f"{r['resumed_us'] / r['full_us']:.2f}" if "resumed_us" in r else "n/a"
        print(f"| {lib} | {r['version']} {r['cipher']} | {r['exec_ratio']:.2f}x ({r['exec_plus_us']:+.0f} µs)"
              f" | {r['exec_plus_cpu_us']:+.0f} | {r['exec_faults']:+.0f} | {versus(lib, 'setup_us')} | {versus(lib, 'full_us')}"
              f" | {versus(lib, 'resumed_us')} | {share} | {versus(lib, 'conn_full_us')}"
              f" | {versus(lib, 'conn_resumed_us')} | {versus(lib, 'size_kb')} |")
    print("\nset-up measured inside the server (process start to context ready, CPU µs): " +
          ", ".join(f"{lib} {rows[lib]['setup_inside_us']:.0f}" for lib in libraries))
    failed = [lib for lib in libraries if rows[lib]["failures"]]
    if failed:
        print("connections that failed: " + ", ".join(f"{lib} {rows[lib]['failures']}" for lib in failed))


main()

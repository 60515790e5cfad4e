// The Swift side of the sanity pair, built like the daemons (Embedded, static-pie, musl): what the
// runtime costs before any daemon code runs.
print("hello")

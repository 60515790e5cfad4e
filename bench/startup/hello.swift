// The Swift side of the sanity pair, built like the daemons (static-pie, RELR): what the
// runtime costs before any daemon code runs.
print("hello")

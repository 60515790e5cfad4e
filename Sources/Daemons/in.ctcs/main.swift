runQueueOrWebPageIfAsked()
Runtime.unavailable(program: "in.ctcs")

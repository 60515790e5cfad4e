runQueueOrWebPageIfAsked()
runControlServer()

runControlServer()

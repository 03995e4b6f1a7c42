require("./lib/x")

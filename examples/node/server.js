const ms = require("ms");
console.log("up in", ms(1500));

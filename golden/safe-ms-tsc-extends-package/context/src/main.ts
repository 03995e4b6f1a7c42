console.log("w");

ThisBuild / organization := "demo"

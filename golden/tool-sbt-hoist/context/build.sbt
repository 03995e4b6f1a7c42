ThisBuild / scalaVersion := "3.4.2"

lazy val root = (project in file("."))
  .enablePlugins(JavaAppPackaging)
  .settings(
    name := "app",
    libraryDependencies += "com.lihaoyi" %% "upickle" % "3.3.1"
  )

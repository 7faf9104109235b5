package analytics

import org.apache.spark.sql.{DataFrame, SparkSession}
import org.apache.spark.sql.functions._

object WordCount {
  def run(spark: SparkSession, path: String): DataFrame = {
    import spark.implicits._
    spark.read.textFile(path)
      .flatMap(_.split("\\s+"))
      .filter(_.nonEmpty)
      .groupByKey(identity)
      .count()
      .toDF("word", "count")
      .orderBy(desc("count"))
  }

  def main(args: Array[String]): Unit = {
    val spark = SparkSession.builder().appName("wc").getOrCreate()
    try run(spark, args.headOption.getOrElse("input.txt")).show(20, truncate = false)
    finally spark.stop()
  }
}

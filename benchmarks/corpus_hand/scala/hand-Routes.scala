package web

import akka.http.scaladsl.server.Directives._
import akka.http.scaladsl.server.Route
import akka.http.scaladsl.model.StatusCodes

class Routes(repo: ItemRepository) {
  val route: Route =
    pathPrefix("items") {
      concat(
        pathEndOrSingleSlash {
          get {
            complete(repo.all().map(_.toString).mkString("\n"))
          }
        },
        path(LongNumber) { id =>
          get {
            repo.find(id) match {
              case Some(item) => complete(item.toString)
              case None       => complete(StatusCodes.NotFound)
            }
          }
        }
      )
    }
}

trait ItemRepository {
  def all(): Seq[Item]
  def find(id: Long): Option[Item]
}

final case class Item(id: Long, title: String)

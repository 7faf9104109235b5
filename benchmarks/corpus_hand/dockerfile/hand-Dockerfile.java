FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /build
COPY pom.xml .
RUN mvn -q dependency:go-offline
COPY src ./src
RUN mvn -q package -DskipTests

FROM eclipse-temurin:17-jre
LABEL maintainer="team@example.com"
VOLUME /tmp
COPY --from=build /build/target/*.jar /app.jar
ENTRYPOINT ["java", "-jar", "/app.jar"]

# Sourced by the other scripts: points JAVA_HOME at a JDK 22+ (FFM is final there) and puts it first on PATH.
if [ -z "${JAVA_HOME:-}" ] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -qE 'version "(2[2-9]|[3-9][0-9])'; then
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-2[2-9]-jdk-amd64 /usr/lib/jvm/java-2[2-9]-openjdk-amd64; do
    if [ -x "$candidate/bin/java" ]; then
      JAVA_HOME=$candidate
      break
    fi
  done
fi
if [ -z "${JAVA_HOME:-}" ] || [ ! -x "$JAVA_HOME/bin/java" ]; then
  echo "ebpf-agent: needs a JDK 22 or newer; set JAVA_HOME to one" >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"

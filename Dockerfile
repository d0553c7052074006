# kubegate in a container: a non-root user, its state on one volume.
#
#   docker build -t kubegate .
#   docker run -d --name kubegate -p 6443:6443 -v kubegate:/var/lib/kubegate kubegate
#   docker exec kubegate cat /var/lib/kubegate/pki/admin.kubeconfig > kubegate.kubeconfig
#   kubectl --kubeconfig kubegate.kubeconfig get ns
#
# /var/lib/kubegate/pki holds the CA, the serving certificate and admin.kubeconfig (written on
# first start); /var/lib/kubegate/data holds the sqlite store, so objects survive a restart.
# The server binds 0.0.0.0 inside the container; admin.kubeconfig dials https://127.0.0.1:6443,
# which the serving certificate names, so it works from the host when the port is published on
# the same number. Extra flags go after the image name (`--tls-san my.host --nodes 3`, ...).
# A directory mounted at /var/lib/kubegate must be writable by uid 10001, or run with
# `--user $(id -u):$(id -g)` over a directory of your own.
FROM python:3.11-slim

WORKDIR /src
COPY pyproject.toml README.md ./
COPY kubegate ./kubegate
RUN pip install --no-cache-dir . \
    && rm -rf /src \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/kubegate --no-create-home kubegate \
    && install -d -o 10001 -g 10001 -m 0700 /var/lib/kubegate

WORKDIR /var/lib/kubegate
USER 10001:10001
EXPOSE 6443
VOLUME ["/var/lib/kubegate"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["kubegate", "serve", "--bind-address", "0.0.0.0", "--secure-port", "6443", \
            "--pki-dir", "/var/lib/kubegate/pki", "--data-dir", "/var/lib/kubegate/data"]

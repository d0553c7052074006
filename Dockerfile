# kubegate in a container: `docker run -p 6443:6443 -v $PWD/pki:/pki kubegate`
# The PKI (and admin.kubeconfig) is written to the /pki volume on first start.
FROM python:3.11-slim
WORKDIR /src
COPY pyproject.toml README.md ./
COPY kubegate ./kubegate
RUN pip install --no-cache-dir . && useradd --system --uid 10001 kubegate && mkdir /pki && chown kubegate /pki
USER kubegate
EXPOSE 6443
VOLUME ["/pki"]
ENTRYPOINT ["kubegate", "serve", "--bind-address", "0.0.0.0", "--pki-dir", "/pki", "--tls-san", "localhost"]

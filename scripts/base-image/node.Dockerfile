# A local equivalent of the official node:<version>-bookworm-slim image, for machines where no
# container registry answers. scripts/ensure-base-images.sh fills the context with node and npm.tgz.
ARG DEBIAN_IMAGE=socklab/debian:bookworm
FROM ${DEBIAN_IMAGE}
LABEL org.socklab.local-equivalent="true"
COPY node /usr/local/bin/node
COPY npm.tgz /tmp/npm.tgz
RUN mkdir -p /usr/local/lib/node_modules/npm \
 && tar -xzf /tmp/npm.tgz -C /usr/local/lib/node_modules/npm --strip-components=1 \
 && rm /tmp/npm.tgz \
 && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && node --version && npm --version
CMD ["node"]

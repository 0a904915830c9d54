-- CreateTable
CREATE TABLE "agent_credentials" (
    "user_key" TEXT NOT NULL,
    "cluster" TEXT NOT NULL,
    "node" TEXT NOT NULL,
    "join_token_id" TEXT NOT NULL,
    "issued_at" TIMESTAMPTZ(6) NOT NULL,
    "revoked_at" TIMESTAMPTZ(6),

    CONSTRAINT "agent_credentials_pkey" PRIMARY KEY ("user_key")
);

-- CreateIndex
CREATE INDEX "agent_credentials_cluster_node_idx" ON "agent_credentials"("cluster", "node");
